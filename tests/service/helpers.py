"""Helpers shared by the service tests."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.queue import Lane, enqueue
from paperclerk.storage.repositories import create_document
from paperclerk.storage.tables import DocumentRow, Job


def submit(
    factory: sessionmaker[Session],
    workspace_id: str,
    lane: Lane = Lane.BULK,
    *,
    sha256: str | None = None,
    max_attempts: int = 5,
) -> tuple[DocumentRow, Job]:
    """Create a document and its job in one transaction, as the API does."""
    with factory.begin() as session:
        doc, _ = create_document(
            session,
            workspace_id,
            sha256=sha256 or uuid.uuid4().hex * 2,
            size_bytes=10,
            filename="r.png",
            media_type="image/png",
        )
        job = enqueue(session, doc.id, lane, max_attempts=max_attempts)
        return doc, job


def run_claimer(url: str, name: str) -> list[int]:
    """Claim and finish jobs until none is left; return the ids this claimer ran.

    Runs in a child process started with `spawn`, so it opens its own engine.
    """
    from paperclerk.queue import claim, finish_document
    from paperclerk.storage.db import make_engine, make_session_factory

    engine = make_engine(url)
    factory = make_session_factory(engine)
    ran: list[int] = []
    try:
        while (job := claim(factory, name, lease_seconds=300)) is not None:
            ran.append(job.id)
            with factory.begin() as s:
                finish_document(s, job.document_id, {"by": name}, job.id)
    finally:
        engine.dispose()
    return ran
