"""`/v1/policy`: read, override and reset the decision policy of the caller's workspace.

The packaged policy (`pipeline/policy.yaml`) says per document type what must be found and
how sure the model must be before a document goes straight through. A workspace may
override parts of it; the override is validated before anything is stored (a bad one
answers 422 `invalid_policy`) and applies to every document decided after it was set.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from paperclerk.pipeline.policy import DecisionPolicy
from paperclerk.storage.policies import (
    clear_policy_override,
    get_policy_override,
    policy_with,
    set_policy_override,
)
from paperclerk.storage.workspaces import parse_key
from paperclerk.web.state import AppState, State, Workspace

router = APIRouter(prefix="/v1/policy", tags=["policy"])

OVERRIDE_EXAMPLE = {
    "types": {
        "receipt": {"target_field_error": 0.02, "min_type_confidence": 0.9},
        "invoice": {"auto_approve": False},
    }
}


class PolicyOut(BaseModel):
    """The policy the workspace's documents are decided with, and the override behind it."""

    policy: DecisionPolicy = Field(description="The effective policy: packaged plus override.")
    override: dict[str, Any] | None = Field(
        description="The workspace's override as stored; null: the packaged policy applies."
    )
    updated_at: dt.datetime | None = Field(description="When the override was set.")
    updated_by: str | None = Field(description="Who set it (an API key id or an admin).")


def _view(state: AppState, workspace: str) -> PolicyOut:
    """Return the workspace's effective policy with its stored override."""
    with state.sessions() as session:
        row = get_policy_override(session, workspace)
        override = dict(row.override) if row is not None else None
        return PolicyOut(
            policy=policy_with(override),
            override=override,
            updated_at=row.updated_at if row is not None else None,
            updated_by=row.updated_by if row is not None else None,
        )


def _caller(request: Request) -> str | None:
    """Return who is calling, as stored with an override: `api-key:<key id>`."""
    _, _, key = request.headers.get("authorization", "").partition(" ")
    parsed = parse_key(key)
    return f"api-key:{parsed[0]}" if parsed else None


@router.get("", response_model=PolicyOut)
def read(state: State, workspace: Workspace) -> PolicyOut:
    """Return the workspace's effective decision policy and its override (null if none)."""
    return _view(state, workspace)


@router.put(
    "",
    response_model=PolicyOut,
    responses={422: {"description": "The override is not valid (`invalid_policy`)."}},
)
def replace(
    request: Request,
    state: State,
    workspace: Workspace,
    override: Annotated[
        Any,
        Body(
            description="A partial policy: `types` maps a document type to the settings it "
            "changes (required, gating, target_field_error, min_type_confidence, thresholds, "
            "auto_approve). It replaces any earlier override as a whole.",
            json_schema_extra={"type": "object", "examples": [OVERRIDE_EXAMPLE]},
        ),
    ],
) -> PolicyOut:
    """Set the workspace's override of the packaged policy; a bad one stores nothing (422)."""
    with state.sessions() as session, session.begin():
        set_policy_override(session, workspace, override, by=_caller(request))
    return _view(state, workspace)


@router.delete("", response_model=PolicyOut)
def reset(state: State, workspace: Workspace) -> PolicyOut:
    """Drop the workspace's override: its documents are decided by the packaged policy again."""
    with state.sessions() as session, session.begin():
        clear_policy_override(session, workspace)
    return _view(state, workspace)
