"""The model registry page for admins: each model's card, the history, and rollback.

A card says what a model was trained on (examples per source and the data's hash), how it
measured on the held-back validation set, its calibrated thresholds, and who promoted it
and when. Rolling back puts the model live before the current one back in use; workers
take it with their next document, and the change is kept in the registry's history.

A model that is not live can run in shadow: workers read each receipt with it too, without
using what it reads, and the page shows how it compares with the live model on the admin's
workspaces (`monitoring.shadow`) beside a button to promote it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperclerk.learning.registry import (
    RECEIPT_KIND,
    ModelCard,
    NothingToRollBackError,
    Registry,
)
from paperclerk.monitoring.shadow import report
from paperclerk.web.state import State
from paperclerk.web.ui.auth import Admin, Csrf
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)
MAX_REASON = 500
FIGURES = ("micro_f1", "micro_f1_normalised", "automation_rate", "auto_field_error")
"""Validation figures a card shows, when the training measured them."""


def calibration(card: ModelCard) -> dict[str, list[dict[str, Any]]]:
    """Return a card's reliability table per field, measured on validation where it was.

    Each row: among fields read with at least this confidence, how many and what share was
    wrong, against the error the confidence promised. Cross-fitted on the training data
    when the model was trained without a validation set (the packaged one).
    """
    metrics = card.metrics
    table = metrics.get("reliability_by_field") or metrics.get("reliability_cross_fitted")
    return table if isinstance(table, dict) else {}


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
    shadow = registry.shadow(RECEIPT_KIND)
    shadow_report = None
    if shadow is not None:
        with state.sessions() as session:
            shadow_report = report(session, user.workspace_ids, shadow.model_id).to_json()
    ctx = {
        "user": user,
        "cards": cards,
        "calibration": {c.id: calibration(c) for c in cards},
        "shadow": shadow,
        "shadow_report": shadow_report,
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


def _back(error: str = "") -> Response:
    return RedirectResponse(f"/models?error={error}" if error else "/models", status_code=303)


@router.post("/models/shadow", dependencies=[Csrf])
def models_start_shadow(
    state: State,
    user: Admin,
    model_id: Annotated[str, Form(min_length=1, max_length=200)],
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
) -> Response:
    """Run a stored model that is not live in shadow beside the live one."""
    try:
        registry_of(state).start_shadow(RECEIPT_KIND, model_id, f"ui:{user.email}", reason.strip())
    except KeyError:
        return _back("no+such+model")
    except ValueError:
        return _back("the+live+model+cannot+run+in+shadow")
    return _back()


@router.post("/models/shadow/stop", dependencies=[Csrf])
def models_stop_shadow(
    state: State, user: Admin, reason: Annotated[str, Form(max_length=MAX_REASON)] = ""
) -> Response:
    """Stop running the shadow model (its readings stay for the record)."""
    registry_of(state).stop_shadow(RECEIPT_KIND, f"ui:{user.email}", reason.strip())
    return _back()


@router.post("/models/promote", dependencies=[Csrf])
def models_promote(
    state: State,
    user: Admin,
    model_id: Annotated[str, Form(min_length=1, max_length=200)],
    reason: Annotated[str, Form(min_length=1, max_length=MAX_REASON)],
) -> Response:
    """Make a stored model live at the admin's decision (after its shadow run), with a reason."""
    try:
        registry_of(state).promote_by(RECEIPT_KIND, model_id, f"ui:{user.email}", reason.strip())
    except KeyError:
        return _back("no+such+model")
    return _back()
