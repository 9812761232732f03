"""`/v1/drift`: the drift monitor of the caller's workspace, and acknowledging its alarms.

`GET /v1/drift` answers per document type the rolling figures against the live model's
training data and the automation rate per day, and the alarms open or recent.
`POST /v1/drift/alarms/{id}/acknowledge` closes the alarms of that alarm's type (audited
with the API key): documents of the type go straight through again where confident, and
its figures restart.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field

from paperclerk.learning.loader import service_drift_references
from paperclerk.learning.user_types import UserTypes
from paperclerk.monitoring.drift import acknowledge, alarm_json, status
from paperclerk.storage.policies import effective_policy
from paperclerk.web.state import State, Workspace, api_reader

router = APIRouter(prefix="/v1/drift", tags=["drift"])


class AcknowledgeIn(BaseModel):
    """Why the alarm is acknowledged (kept in the audit trail)."""

    note: str = Field("", max_length=1000, description="What was checked or changed.")


@router.get("")
def drift_status(
    state: State, workspace: Workspace, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> dict[str, Any]:
    """Return the workspace's figures per document type and its open or recent alarms."""
    references = service_drift_references(state.data_dir)
    types = UserTypes(state.data_dir / "models")
    with state.sessions() as session:
        policy = effective_policy(session, workspace)
        return status(session, workspace, policy, references, days, types.spec)


@router.post("/alarms/{alarm_id}/acknowledge")
def acknowledge_alarm(
    request: Request,
    alarm_id: str,
    state: State,
    workspace: Workspace,
    body: Annotated[AcknowledgeIn | None, Body()] = None,
) -> dict[str, Any]:
    """Acknowledge an alarm and the other open alarms of its type; answer those closed."""
    with state.sessions.begin() as session:
        closed = acknowledge(
            session, [workspace], alarm_id, api_reader(request), body.note if body else ""
        )
        return {"acknowledged": [alarm_json(a) for a in closed]}
