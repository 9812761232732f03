"""The memory pages for admins: what the counterparty memory learnt, and removing mistakes.

The memory file is shared by every workspace of the data folder, so only admins (who see
every workspace) may read or change it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperclerk.review.counterparties import (
    FIELD_LABELS,
    MAX_LISTED,
    counterparty_detail,
    forget_value,
    list_counterparties,
)
from paperclerk.storage.errors import NotFoundError
from paperclerk.web.state import State
from paperclerk.web.ui.auth import Admin, Csrf
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)
MAX_VALUE = 2000


@router.get("/memory")
def memory_list(
    request: Request,
    state: State,
    user: Admin,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """List the counterparties the memory knows: name, documents confirmed, fields learnt."""
    rows = list_counterparties(state.data_dir, q)
    ctx = {
        "user": user,
        "rows": rows,
        "query": q,
        "labels": FIELD_LABELS,
        "max_listed": MAX_LISTED,
        "active": "memory",
    }
    return render(request, "memory.html", ctx)


@router.get("/memory/{key}")
def memory_detail(
    request: Request,
    state: State,
    user: Admin,
    key: int,
    removed: Annotated[str, Query(max_length=MAX_VALUE)] = "",
) -> Response:
    """Show one counterparty's learnt spellings per field: counts, chosen, corrected."""
    try:
        detail = counterparty_detail(state.data_dir, key)
    except NotFoundError:
        return render(request, "not_found.html", {"user": user}, status=404)
    ctx = {
        "user": user,
        "detail": detail,
        "labels": FIELD_LABELS,
        "removed": removed,
        "active": "memory",
    }
    return render(request, "memory.html", ctx)


@router.post("/memory/{key}/remove", dependencies=[Csrf])
def memory_remove(
    state: State,
    user: Admin,
    key: int,
    field: Annotated[str, Form(max_length=20)],
    value: Annotated[str, Form(max_length=MAX_VALUE)],
) -> Response:
    """Remove a wrong learnt value (form fields `field`, `value`) and show what is left.

    Removing a counterparty's last name forgets it: the answer is then the list.
    """
    left = forget_value(state.data_dir, key, field, value, by=user.email)
    target = f"/memory/{key}" if left else "/memory"
    return RedirectResponse(target, status_code=303)
