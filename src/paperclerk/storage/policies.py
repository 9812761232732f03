"""Workspace decision policies: each workspace's override of the packaged policy.

A workspace decides with the packaged `policy.yaml` until someone sets an override (the
API's `PUT /v1/policy`, `paperclerk admin policy set`); the override is validated before it
is stored, and stored in the normalised form it was checked in. `effective_policy` is what
every decision uses: one primary-key lookup, the merge cached by the override's content.
"""

from __future__ import annotations

import json
import logging
import math
from functools import lru_cache
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from paperclerk.errors import PolicyError
from paperclerk.pipeline.policy import (
    DecisionPolicy,
    TypePolicy,
    check_override,
    packaged_policy,
)
from paperclerk.storage.columns import utcnow
from paperclerk.storage.errors import NotFoundError
from paperclerk.storage.tables import Workspace, WorkspacePolicy

log = logging.getLogger(__name__)
MAX_OVERRIDE_CHARS = 64_000


def normalise_override(override: object) -> dict[str, Any]:
    """Validate an override and return the form it is stored in; raise PolicyError if bad.

    Each type's settings are kept as validated (numbers as numbers) and only the keys the
    override names; anything else at the top level (`version`) is dropped. Text with NUL
    characters, numbers that are not finite and overrides over 64 000 characters are
    refused too, so whatever passes can be stored and sent back as JSON.
    """
    checked = check_override(override)
    types: dict[str, Any] = {}
    for name, changes in (checked.get("types") or {}).items():
        settings = TypePolicy.model_validate(changes)
        types[str(name)] = settings.model_dump(mode="json", exclude_unset=True)
    out: dict[str, Any] = {"types": types}
    _check_storable(out, "override")
    if len(json.dumps(out)) > MAX_OVERRIDE_CHARS:
        raise PolicyError(f"the override is longer than {MAX_OVERRIDE_CHARS} characters")
    return out


def _check_storable(value: object, where: str) -> None:
    """Refuse what JSON or PostgreSQL cannot hold: NUL characters, NaN and infinities."""
    if isinstance(value, str) and "\x00" in value:
        raise PolicyError(f"{where}: text must not contain NUL characters")
    if isinstance(value, float) and not math.isfinite(value):
        raise PolicyError(f"{where}: numbers must be finite")
    if isinstance(value, dict):
        for key, item in value.items():
            inner = str(key) if where == "override" else f"{where}.{key}"
            _check_storable(key, inner)
            _check_storable(item, inner)
    elif isinstance(value, list):
        for item in value:
            _check_storable(item, where)


def get_policy_override(session: Session, workspace_id: str) -> WorkspacePolicy | None:
    """Return the workspace's stored override (with who set it and when), or None."""
    return session.get(WorkspacePolicy, workspace_id)


def set_policy_override(
    session: Session, workspace_id: str, override: object, *, by: str | None = None
) -> WorkspacePolicy:
    """Validate and store a workspace's override, replacing any earlier one.

    Raises PolicyError (nothing stored) for a bad override and NotFoundError for an
    unknown workspace. `by` says who set it (an API key id, an admin on the CLI).
    """
    clean = normalise_override(override)
    if session.get(Workspace, workspace_id) is None:
        raise NotFoundError(f"no workspace {workspace_id}")
    row = session.get(WorkspacePolicy, workspace_id)
    if row is None:
        row = WorkspacePolicy(workspace_id=workspace_id)
        session.add(row)
    row.override = clean
    row.updated_at = utcnow()
    row.updated_by = by[:200] if by else None
    session.flush()
    return row


def clear_policy_override(session: Session, workspace_id: str) -> bool:
    """Drop a workspace's override (back to the packaged policy); return whether one existed."""
    result = session.execute(
        delete(WorkspacePolicy).where(WorkspacePolicy.workspace_id == workspace_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def policy_with(override: dict[str, Any] | None) -> DecisionPolicy:
    """Return the packaged policy with a stored override applied.

    An override that no longer validates (the packaged policy changed shape since it was
    stored) is logged and replaced by the packaged policy with every type sent to a person:
    a workspace that asked for stricter rules must not silently get looser ones.
    """
    if not override:
        return packaged_policy()
    return _merged(json.dumps(override, sort_keys=True))


@lru_cache(maxsize=128)
def _merged(override_json: str) -> DecisionPolicy:
    """Return the packaged policy merged with an override given as canonical JSON."""
    try:
        return packaged_policy().with_override(json.loads(override_json))
    except PolicyError as exc:
        log.error("a stored policy override is no longer valid (%s); reviewing everything", exc)
        manual = {t.value: {"auto_approve": False} for t in packaged_policy().types}
        return packaged_policy().with_override({"types": manual})


def effective_policy(session: Session, workspace_id: str) -> DecisionPolicy:
    """Return the policy a workspace decides with: the packaged one plus its override."""
    row = session.get(WorkspacePolicy, workspace_id)
    return policy_with(row.override if row is not None else None)
