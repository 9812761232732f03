"""What the API needs at hand: database sessions, the blob store, settings; and auth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.storage.blobs import Blobs
from paperclerk.storage.db import while_unavailable
from paperclerk.storage.workspaces import authenticate
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


def workspace_of(request: Request, state: State) -> str:
    """Authenticate `Authorization: Bearer KEY` and return the key's workspace id."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "send an API key as 'Authorization: Bearer KEY'")
    def check() -> str | None:
        with state.sessions() as session:
            return authenticate(session, key.strip())

    workspace = while_unavailable(check)  # a database restart is waited out, not a 500
    if workspace is None:
        raise ApiError(401, "unauthorized", "unknown or revoked API key")
    return workspace


Workspace = Annotated[str, Depends(workspace_of)]
