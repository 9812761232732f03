"""The document types page for admins: define a type and its fields, train it from reviews.

A type defined here is offered as a hint when documents are submitted (`doc_type=<name>`);
the review screen then shows its fields, and a reviewer fills each one by clicking words on
the page. "Train" learns the type's extractor from the documents reviewed in the admin's
workspaces (`review.type_training`); once a model is live, documents of the type are read
by it and recognised without a hint.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote_plus

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from paperclerk.errors import InputError
from paperclerk.learning.custom_fields import FieldSpec, TypeSpec
from paperclerk.learning.field_spans import ValueType
from paperclerk.review.type_training import reviewed_documents, train_from_reviews
from paperclerk.web.state import AppState, State
from paperclerk.web.types import user_types
from paperclerk.web.ui.auth import Admin, Csrf, UiUser
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)
FIELD_ROWS = 8
"""Field rows the definition form offers."""


def _back(error: str = "", notice: str = "") -> Response:
    query = f"?error={quote_plus(error)}" if error else ""
    query = query or (f"?notice={quote_plus(notice)}" if notice else "")
    return RedirectResponse(f"/types{query}", status_code=303)


@router.get("/types")
def types_page(
    request: Request,
    state: State,
    user: Admin,
    error: Annotated[str, Query(max_length=300)] = "",
    notice: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """List the defined types with their fields, reviewed examples and live model."""
    types = user_types(state)
    rows: list[dict[str, Any]] = []
    with state.sessions() as session:
        for name in types.names():
            spec = types.spec(name)
            if spec is None:
                continue
            live = types.live_id(name)
            rows.append(
                {
                    "spec": spec,
                    "reviewed": len(reviewed_documents(session, user.workspace_ids, name)),
                    "live": live,
                    "card": types.registry.card(live) if live else None,
                }
            )
    ctx = {
        "user": user,
        "types": rows,
        "value_types": [v.value for v in ValueType],
        "field_rows": range(FIELD_ROWS),
        "error": error,
        "notice": notice,
        "active": "types",
    }
    return render(request, "types.html", ctx)


@router.post("/types", dependencies=[Csrf])
async def types_define(request: Request, state: State, user: Admin) -> Response:
    """Define a type (or replace its fields) from the form's name and field rows."""
    form = await request.form()
    name = str(form.get("name", "")).strip()
    fields: list[FieldSpec] = []
    try:
        for i in range(FIELD_ROWS):
            field_name = str(form.get(f"field_{i}", "")).strip()
            if not field_name:
                continue
            check = str(form.get(f"check_{i}", "")).strip() or None
            fields.append(
                FieldSpec(
                    name=field_name,
                    value_type=ValueType(str(form.get(f"type_{i}", "text"))),
                    check=check,
                    required=form.get(f"required_{i}") is not None,
                    gating=form.get(f"gating_{i}") is not None,
                )
            )
        if not fields:
            return _back("name at least one field")
        if len({f.name for f in fields}) != len(fields):
            return _back("a field name appears twice")
        description = str(form.get("description", ""))[:500]
        user_types(state).define(TypeSpec(name=name, description=description, fields=fields))
    except ValidationError as exc:
        return _back(str(exc.errors()[0]["msg"]).removeprefix("Value error, "))
    except ValueError as exc:
        return _back(str(exc))
    return _back(notice=f"type {name} saved")


@router.post("/types/{name}/train", dependencies=[Csrf])
async def types_train(state: State, user: Admin, name: str) -> Response:
    """Train the type on the documents reviewed in the admin's workspaces."""
    try:
        done = await run_in_threadpool(_train, state, user, name)
    except InputError as exc:
        return _back(exc.message)
    outcome = "now live" if done else "kept, not live: the live model scored better"
    return _back(notice=f"{name}: model trained, {outcome}")


def _train(state: AppState, user: UiUser, name: str) -> bool:
    with state.sessions() as session:
        done = train_from_reviews(
            session, user_types(state), user.workspace_ids, name, f"ui:{user.email}"
        )
    return done.promoted
