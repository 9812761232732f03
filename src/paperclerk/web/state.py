"""What the API needs at hand: database sessions, the blob store, settings; and auth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.storage.blobs import Blobs
from paperclerk.storage.db import while_unavailable
from paperclerk.storage.workspaces import authenticate, parse_key
from paperclerk.web.errors import ApiError


@dataclass
class AppState:
    """Per-process resources of the API."""

    database_url: str
    data_dir: Path
    sessions: sessionmaker[Session]
    blobs: Blobs
    max_bytes: int


def app_state(request: Request) -> AppState:
    """Return the resources the app was created with."""
    state: AppState = request.app.state.paperclerk
    return state


State = Annotated[AppState, Depends(app_state)]


AUTHENTICATED = "paperclerk_workspace"
"""Key of `request.state` where the body-limit middleware leaves the workspace it checked."""


def key_workspace(state: AppState, authorization: str) -> str | None:
    """Return the workspace of a `Bearer KEY` header's key; None when absent or unknown.

    A database restart is waited out (`while_unavailable`), not answered with a 500.
    """
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None

    def check() -> str | None:
        with state.sessions() as session:
            return authenticate(session, key.strip())

    return while_unavailable(check)


def workspace_of(request: Request, state: State) -> str:
    """Authenticate `Authorization: Bearer KEY` and return the key's workspace id.

    A request whose body the middleware let through was authenticated there already.
    """
    checked: str | None = getattr(request.state, AUTHENTICATED, None)
    if checked is not None:
        return checked
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "send an API key as 'Authorization: Bearer KEY'")
    workspace = key_workspace(state, header)
    if workspace is None:
        raise ApiError(401, "unauthorized", "unknown or revoked API key")
    return workspace


Workspace = Annotated[str, Depends(workspace_of)]


def api_reader(request: Request) -> str:
    """Name the API key of a request for the audit trail (`api-key:<key id>`, never the secret)."""
    _, _, key = request.headers.get("authorization", "").partition(" ")
    parsed = parse_key(key)
    return f"api-key:{parsed[0]}" if parsed else "api-key"
