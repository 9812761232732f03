"""The model registry page for admins: each model's card, the history, and rollback.

A card says what a model was trained on (examples per source and the data's hash), how it
measured on the held-back validation set, its calibrated thresholds, and who promoted it
and when. Rolling back puts the model live before the current one back in use; workers
take it with their next document, and the change is kept in the registry's history.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperclerk.learning.registry import RECEIPT_KIND, NothingToRollBackError, Registry
from paperclerk.web.state import State
from paperclerk.web.ui.auth import Admin, Csrf
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)
MAX_REASON = 500
FIGURES = ("micro_f1", "micro_f1_normalised", "automation_rate", "auto_field_error")
"""Validation figures a card shows, when the training measured them."""


def registry_of(state: State) -> Registry:
    """Return the service's registry: `<data dir>/models`, where training promotes models."""
    return Registry(state.data_dir / "models")


@router.get("/models")
def models_page(
    request: Request,
    state: State,
    user: Admin,
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """List every model with its card, newest first, the live one marked, and the history."""
    registry = registry_of(state)
    cards = list(reversed(registry.cards()))
    live = registry.live_id(RECEIPT_KIND)
    try:
        previous = registry.previous_live(RECEIPT_KIND) if live else None
        can_roll_back = live is not None
    except KeyError:
        previous, can_roll_back = None, False
    ctx = {
        "user": user,
        "cards": cards,
        "figures": FIGURES,
        "live": live,
        "previous": previous,
        "can_roll_back": can_roll_back,
        "history": list(reversed(registry.history())),
        "error": error,
        "active": "models",
    }
    return render(request, "models.html", ctx)


@router.post("/models/rollback", dependencies=[Csrf])
def models_rollback(
    state: State,
    user: Admin,
    reason: Annotated[str, Form(min_length=1, max_length=MAX_REASON)],
) -> Response:
    """Put the previous receipt model back in use, recording the admin and the reason."""
    try:
        registry_of(state).rollback(RECEIPT_KIND, f"ui:{user.email}", reason.strip())
    except (NothingToRollBackError, KeyError):
        return RedirectResponse("/models?error=nothing+to+roll+back", status_code=303)
    return RedirectResponse("/models", status_code=303)
