"""What happens in the review flow when a worker stores a document's result."""

from __future__ import annotations

from sqlalchemy.orm import Session

from paperclerk.model import Document
from paperclerk.review.audit import record_result
from paperclerk.review.queue import track_result


def on_result_stored(session: Session, document_id: str, workspace_id: str, doc: Document) -> None:
    """Audit the fields the pipeline produced and queue the document or count it automated.

    Call it in the transaction that stores the result, so both commit together.
    """
    record_result(session, document_id, workspace_id, doc)
    track_result(session, document_id, workspace_id, doc)
