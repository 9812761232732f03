"""Dashboard numbers from review items, and the worker putting results in the review flow."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.queue import Lane, enqueue
from paperclerk.queue.lease import claim as claim_job
from paperclerk.review import Correction, Reviewer, approve, list_entries, reject
from paperclerk.review.dashboard import dashboard, percentile
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.repositories import create_document
from paperclerk.storage.tables import ReviewItem
from paperclerk.storage.users import create_user
from paperclerk.worker.tasks import run_job
from tests.service.review_helpers import stored_document
from tests.service.test_api import receipt_png


def test_dashboard_counts_automation_accuracy_turnaround_and_reasons(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    for _ in range(2):
        stored_document(factory, workspace_id, needs_review=False)
    approved = stored_document(factory, workspace_id)
    rejected = stored_document(factory, workspace_id)
    stored_document(factory, workspace_id)  # still waiting
    with factory.begin() as s:
        user = create_user(s, "rev@x.org", "rev-password", "reviewer", [workspace_id])
        person = Reviewer(user.id, user.email, (workspace_id,))
    fix = Correction(
        fields={"merchant_name": "ACME STORE"},
        line_items=[{"description": "BREAD", "total_price": "2.50"},
                    {"description": "MILK", "total_price": "1.20"}],
    )  # fmt: skip
    with factory.begin() as s:
        approve(s, person, approved, fix, data_dir=None)
        reject(s, person, rejected, "duplicate")
    with factory() as s:
        board = dashboard(s, (workspace_id,), days=7)
        assert dashboard(s, ("nobody",), days=7).completed == 0
    assert (board.completed, board.automated, board.queue_size) == (4, 2, 1)
    assert board.automation_rate == 0.5
    assert len(board.by_day) == 7 and board.by_day[-1].total == 4
    assert [(r.label, r.hits, r.total) for r in board.by_doc_type] == [("receipt", 2, 4)]
    accuracy = {r.label: r.share for r in board.field_accuracy}
    assert accuracy["merchant_name"] == 0.0 and accuracy["total"] == 1.0
    assert accuracy["line_items"] == 0.0
    assert board.top_fields == [("merchant_name", 3)]
    assert board.top_rules == [("totals.line_items_sum", 3)]
    assert board.top_suppliers == [("ACME", 3)]
    assert board.turnaround_p50_s is not None and board.turnaround_p95_s is not None
    assert percentile([], 0.5) is None
    assert percentile([1.0, 2.0, 3.0, 4.0, 100.0], 0.5) == 3.0


def test_the_worker_audits_the_result_and_queues_it(
    factory: sessionmaker[Session], workspace_id: str, tmp_path: Path
) -> None:
    blobs = BlobStore.in_data_dir(tmp_path)
    data = receipt_png("ACME STORE\nDATE 12/03/2025\nTOTAL 3.70")
    sha = blobs.put(data)
    with factory.begin() as s:
        # typed by the sender: a picture this small is no sure receipt to the classifier
        row, _ = create_document(
            s, workspace_id, sha256=sha, size_bytes=len(data), doc_type_hint="receipt"
        )
        enqueue(s, row.id, Lane.BULK)
    job = claim_job(factory, "test")
    assert job is not None and run_job(factory, blobs, job)
    with factory() as s:
        item = s.get(ReviewItem, row.id)
        assert item is not None and item.state in ("auto", "pending")
        entries = list_entries(s, row.id)
        assert entries[0].action == "classify" and entries[0].actor_kind == "model"
        extracted = [e for e in entries if e.action == "extract"]
        assert extracted and all(e.actor_id for e in extracted)
        assert entries[-1].field == "decision"
        assert s.scalars(select(ReviewItem.submitted_at)).one() is not None
