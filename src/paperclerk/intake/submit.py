"""Submitting bytes as a queued document: the one path every intake takes.

The order is the API's: reject unreadable input with a typed error, store the original in
the blob store, then create the document row and enqueue its job in one transaction. A
crash at any point leaves either nothing or a document a worker will pick up (at worst an
unreferenced blob, which is harmless).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.errors import EmptyInputError, LimitExceededError
from paperclerk.ingest import check_bytes
from paperclerk.model import DocType, Source
from paperclerk.queue.jobs import enqueue
from paperclerk.storage.blobs import Blobs
from paperclerk.storage.columns import Lane
from paperclerk.storage.documents import create_document
from paperclerk.storage.workspaces import create_workspace, get_workspace_by_name


class SubmitResources(Protocol):
    """What submitting needs: database sessions and the blob store (the API's state has both)."""

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Return the session factory of the app database."""
        ...

    @property
    def blobs(self) -> Blobs:
        """Return the blob store that keeps the originals."""
        ...


@dataclass(frozen=True)
class IntakeResources:
    """Sessions and blob store for intakes that run outside the API (e.g. a watched folder)."""

    sessions: sessionmaker[Session]
    blobs: Blobs


@dataclass(frozen=True)
class Submitted:
    """A submitted document's id, and whether it is new (False: an idempotent repeat)."""

    document_id: str
    created: bool


def submit_bytes(
    resources: SubmitResources,
    workspace_id: str,
    data: bytes,
    filename: str | None = None,
    *,
    media_type: str | None = None,
    source: Source = Source.API,
    doc_type_hint: DocType | None = None,
    metadata: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    lane: Lane | str = Lane.BULK,
    max_bytes: int | None = None,
    queue: bool = True,
    custom_type: str | None = None,
) -> Submitted:
    """Store a document's bytes and queue it for processing; return its id.

    Raise a typed `InputError` (empty, too large, unsupported, corrupt, encrypted) before
    anything is stored, so bad input never becomes a document. The check reads headers and
    the PDF structure only (`ingest.check_bytes`); the worker decodes the pages, once, and a
    file damaged inside its pixel data ends there as a failed document with the error's code.
    `media_type` defaults to the type sniffed from the bytes. With an idempotency key
    already used in the workspace the earlier document is returned (created=False) and
    nothing is queued; the same key with other content raises `ConflictError`.
    `queue=False` stores the document without queueing it (the caller decides what to do
    with it next, as a batch to split does). `custom_type` names the user-defined type
    the caller says the document is.
    """
    if not data:
        raise EmptyInputError("the file is empty")
    if max_bytes is not None and len(data) > max_bytes:
        raise LimitExceededError(f"the file is larger than {max_bytes} bytes")
    checked = check_bytes(data)  # cheap: headers and structure; the worker decodes
    sha = resources.blobs.put(data)
    with resources.sessions() as session, session.begin():
        row, created = create_document(
            session,
            workspace_id,
            sha256=sha,
            size_bytes=len(data),
            filename=filename,
            media_type=media_type or checked.media_type,
            source=source,
            doc_type_hint=doc_type_hint,
            metadata=metadata,
            idempotency_key=idempotency_key,
            custom_type=custom_type,
        )
        if created and queue:
            enqueue(session, row.id, lane)
        return Submitted(row.id, created)


def ensure_workspace(sessions: sessionmaker[Session], name: str) -> str:
    """Return the id of the workspace called `name`, creating it when missing.

    Two processes creating it at once are settled by the unique name: the loser reads the
    winner's row.
    """
    for _ in range(2):
        with sessions() as session:
            found = get_workspace_by_name(session, name)
            if found is not None:
                return found.id
        try:
            with sessions() as session, session.begin():
                return create_workspace(session, name).id
        except IntegrityError:
            continue
    raise RuntimeError(f"workspace {name!r} could not be created or read")


def folder_submitter(
    resources: SubmitResources,
    workspace_id: str,
    *,
    source: Source = Source.FOLDER,
    max_bytes: int | None = None,
) -> Callable[[bytes, str], str]:
    """Return a `submit(data, filename) -> document id` for an intake such as `FolderIntake`.

    Each submission carries an idempotency key made of the content hash and the file name,
    so a file submitted again after a crash (before the intake recorded it) maps to the
    document created the first time instead of a second one.
    """

    def submit(data: bytes, filename: str) -> str:
        name_hash = hashlib.sha256(filename.encode()).hexdigest()[:16]
        key = f"{source}:{hashlib.sha256(data).hexdigest()}:{name_hash}"
        done = submit_bytes(
            resources,
            workspace_id,
            data,
            filename,
            source=source,
            idempotency_key=key,
            max_bytes=max_bytes,
        )
        return done.document_id

    return submit
