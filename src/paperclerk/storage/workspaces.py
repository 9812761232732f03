"""Workspaces and their API keys (`pk_<key_id>_<secret>`, only a sha256 of the secret stored)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from paperclerk.storage.columns import utcnow
from paperclerk.storage.errors import ConflictError, NotFoundError
from paperclerk.storage.tables import ApiKey, Workspace

KEY_PREFIX = "pk"
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()


class NewApiKey(NamedTuple):
    """A freshly made API key: its public id and its secret (shown once, never stored)."""

    key_id: str
    secret: str

    @property
    def key(self) -> str:
        """Return the full key a client sends as `Authorization: Bearer <key>`."""
        return f"{KEY_PREFIX}_{self.key_id}_{self.secret}"


def _hash_secret(secret: str) -> str:
    """Return the stored form of a secret: 256 random bits need no slow hash, sha256 suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_workspace(session: Session, name: str) -> Workspace:
    """Create a workspace; raise `ConflictError` when the name is taken."""
    name = name.strip()
    if not name:
        raise ConflictError("a workspace needs a name")
    if get_workspace_by_name(session, name) is not None:
        raise ConflictError(f"workspace {name!r} already exists")
    workspace = Workspace(name=name)
    session.add(workspace)
    session.flush()
    return workspace


def get_workspace(session: Session, workspace_id: str) -> Workspace | None:
    """Return the workspace with this id, or None."""
    return session.get(Workspace, workspace_id)


def get_workspace_by_name(session: Session, name: str) -> Workspace | None:
    """Return the workspace with this name, or None (admin commands address them by name)."""
    return session.scalars(select(Workspace).where(Workspace.name == name.strip())).first()


def list_workspaces(session: Session) -> list[Workspace]:
    """Return every workspace, oldest first."""
    return list(session.scalars(select(Workspace).order_by(Workspace.created_at, Workspace.id)))


def create_api_key(session: Session, workspace_id: str) -> NewApiKey:
    """Make a new key for a workspace and store only the hash of its secret.

    The key id is public (logs, revocation); the secret has 256 random bits.
    """
    if get_workspace(session, workspace_id) is None:
        raise NotFoundError(f"no workspace {workspace_id}")
    new = NewApiKey(key_id=secrets.token_hex(8), secret=secrets.token_urlsafe(32))
    session.add(
        ApiKey(id=new.key_id, workspace_id=workspace_id, secret_hash=_hash_secret(new.secret))
    )
    session.flush()
    return new


def parse_key(key: str) -> tuple[str, str] | None:
    """Split `pk_<key_id>_<secret>` into (key_id, secret); None when it has another shape."""
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def authenticate(session: Session, key: str) -> str | None:
    """Return the workspace id a key belongs to, or None for unknown, wrong or revoked keys.

    The secret is compared in constant time, and a hash is compared even when the key id
    is unknown, so timing tells nothing about which ids exist.
    """
    parsed = parse_key(key)
    if parsed is None:
        return None
    key_id, secret = parsed
    row = session.get(ApiKey, key_id)
    stored = row.secret_hash if row is not None else _DUMMY_HASH
    matches = hmac.compare_digest(stored, _hash_secret(secret))
    if row is None or not matches or row.revoked_at is not None:
        return None
    return row.workspace_id


def revoke_key(session: Session, key_id: str, workspace_id: str | None = None) -> bool:
    """Revoke a key (optionally only within a workspace); return whether one was revoked."""
    stmt = update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
    if workspace_id is not None:
        stmt = stmt.where(ApiKey.workspace_id == workspace_id)
    result = session.execute(stmt.values(revoked_at=utcnow()))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_api_keys(session: Session, workspace_id: str) -> list[ApiKey]:
    """Return the keys of a workspace (ids and dates only are meaningful), oldest first."""
    stmt = select(ApiKey).where(ApiKey.workspace_id == workspace_id)
    return list(session.scalars(stmt.order_by(ApiKey.created_at, ApiKey.id)))
