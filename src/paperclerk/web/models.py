"""`/v1/models`: the receipt models of the service's registry, and the shadow model's report.

`GET /v1/models` lists every stored model's card, which one is live and which one runs in
shadow. `GET /v1/models/shadow` compares the shadow model with the live one on the
caller's workspace: agreement, automation and, on documents people reviewed, accuracy.
Starting a shadow, stopping it and promoting a model change the service for every
workspace, so they are an admin's (the models page) or an operator's (`paperclerk models`),
not an API key's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from paperclerk.learning.registry import RECEIPT_KIND, Registry
from paperclerk.monitoring.shadow import report
from paperclerk.web.errors import ApiError
from paperclerk.web.state import State, Workspace

router = APIRouter(prefix="/v1/models", tags=["models"])


def _registry(state: State) -> Registry:
    return Registry(state.data_dir / "models")


@router.get("")
def list_models(state: State, workspace: Workspace) -> dict[str, Any]:
    """Return every stored receipt model's card, the live one and the shadow one."""
    registry = _registry(state)
    shadow = registry.shadow(RECEIPT_KIND)
    return {
        "live": registry.live_id(RECEIPT_KIND),
        "shadow": shadow.model_dump(mode="json") if shadow else None,
        "models": [
            card.model_dump(mode="json", exclude={"drift_reference"})
            for card in registry.cards(RECEIPT_KIND)
        ],
    }


@router.get("/shadow")
def shadow_report(state: State, workspace: Workspace) -> dict[str, Any]:
    """Return how the model running in shadow compares with the live one (404: none runs)."""
    run = _registry(state).shadow(RECEIPT_KIND)
    if run is None:
        raise ApiError(404, "no_shadow", "No model runs in shadow.")
    with state.sessions() as session:
        figures = report(session, [workspace], run.model_id)
    return {"shadow": run.model_dump(mode="json"), "report": figures.to_json()}
