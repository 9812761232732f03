"""Review flow on SQLite and PostgreSQL: claims, checks, approve/reject, audit, examples."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.learning.loader import PACKAGED_RECEIPT
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.model import DecisionOutcome
from paperclerk.review import (
    BlockingProblemsError,
    Correction,
    QueueFilter,
    Reviewer,
    approve,
    check,
    claim,
    claim_next,
    list_entries,
    list_queue,
    load,
    queue_counts,
    reject,
    release,
)
from paperclerk.storage.columns import utcnow
from paperclerk.storage.documents import delete_document
from paperclerk.storage.errors import ConflictError, InvalidRequestError, NotFoundError
from paperclerk.storage.tables import (
    AuditEvent,
    ReviewItem,
    TrainingExampleRow,
    WebhookDelivery,
)
from paperclerk.storage.users import create_user
from paperclerk.storage.workspaces import create_workspace
from paperclerk.webhooks import create_webhook
from tests.service.review_helpers import decision_of, learnt, stored_document


def reviewer(factory: sessionmaker[Session], email: str, *workspaces: str) -> Reviewer:
    with factory.begin() as s:
        user = create_user(s, email, "a long password", "reviewer", workspaces)
        return Reviewer(user.id, user.email, tuple(workspaces))


def fixed(doc_fields: dict[str, str] | None = None) -> Correction:
    """The corrections that make the helper's receipt valid: the missing MILK row added."""
    return Correction(
        fields={"merchant_name": "ACME STORE", "transaction_date": "2025-03-12", "total": "3.70",
                **(doc_fields or {})},
        field_words={"merchant_name": ["p0-w0", "p0-w1"]},
        line_items=[{"description": "BREAD", "total_price": "2.50"},
                    {"description": "MILK", "total_price": "1.20"}],
    )  # fmt: skip


def count(factory: sessionmaker[Session], table: type) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_only_documents_needing_review_are_queued(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    pending = stored_document(factory, workspace_id)
    stored_document(factory, workspace_id, needs_review=False)
    flt = QueueFilter((workspace_id,))
    with factory() as s:
        assert [i.document_id for i in list_queue(s, flt)] == [pending]
        counts = queue_counts(s, flt)
        assert counts.total == 1
        assert counts.by_doc_type == {"receipt": 1}
        assert counts.by_reason == {"rule:totals.line_items_sum": 1, "field:merchant_name": 1}
        assert list_queue(s, QueueFilter((workspace_id,), reason="field:total")) == []
        assert len(list_queue(s, QueueFilter((workspace_id,), reason="field:merchant_name"))) == 1
        assert list_queue(s, QueueFilter((workspace_id,), doc_type="invoice")) == []
        assert list_queue(s, QueueFilter((workspace_id,), min_age_hours=1)) == []


def test_two_reviewers_never_claim_the_same_document(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    docs = {stored_document(factory, workspace_id) for _ in range(4)}
    people = [reviewer(factory, f"r{i}@x.org", workspace_id) for i in range(8)]
    got: dict[str, str | None] = {}
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def run(person: Reviewer) -> None:
        try:
            barrier.wait()
            with factory.begin() as s:
                got[person.id] = claim_next(s, person.id, QueueFilter((workspace_id,)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    claimed = [d for d in got.values() if d is not None]
    assert sorted(claimed) == sorted(docs)  # each document exactly once
    assert list(got.values()).count(None) == 4


def test_a_claim_is_held_then_expires(factory: sessionmaker[Session], workspace_id: str) -> None:
    doc = stored_document(factory, workspace_id)
    a = reviewer(factory, "a@x.org", workspace_id)
    b = reviewer(factory, "b@x.org", workspace_id)
    flt = QueueFilter((workspace_id,))
    with factory.begin() as s:
        assert claim_next(s, a.id, flt) == doc
    with factory.begin() as s:
        assert claim_next(s, b.id, flt) is None
        assert claim_next(s, a.id, flt) == doc  # the holder gets it back
        assert not claim(s, b.id, doc, b.workspace_ids)
    later = utcnow() + dt.timedelta(hours=1)
    with factory.begin() as s:
        assert claim_next(s, b.id, flt, now=later) == doc
    with factory.begin() as s:
        release(s, b.id, doc)
        assert claim_next(s, a.id, flt, exclude=(doc,)) is None


def test_a_reviewer_sees_only_their_workspaces(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    with factory.begin() as s:
        other = create_workspace(s, "other").id
    theirs = stored_document(factory, other)
    mine = reviewer(factory, "me@x.org", workspace_id)
    with factory.begin() as s:
        assert claim_next(s, mine.id, QueueFilter(mine.workspace_ids)) is None
        assert list_queue(s, QueueFilter(mine.workspace_ids, workspace=other)) == []
        assert not claim(s, mine.id, theirs, mine.workspace_ids)
        with pytest.raises(NotFoundError):
            load(s, theirs, mine.workspace_ids)
    with pytest.raises(NotFoundError), factory.begin() as s:
        approve(s, mine, theirs, fixed(), data_dir=None)


def test_check_reports_invalid_values_and_failing_rules(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc_id = stored_document(factory, workspace_id)
    with factory() as s:
        doc = load(s, doc_id, (workspace_id,))
    bad = check(
        doc,
        Correction(fields={"transaction_date": "31/02/2025", "total": "3.7O0", "merchant_name": "",
                           "vendor_iban": "DE89370400440532013001"}),
    )  # fmt: skip
    by_field = {p.field: p.message for p in bad.blocking}
    assert "not a valid date" in by_field["transaction_date"]
    assert "not an amount" in by_field["total"]
    assert by_field["merchant_name"] == "required"
    assert "check digits" in by_field["vendor_iban"]
    totals = check(doc, Correction(fields={"total": "4.00"}, line_items=fixed().line_items))
    assert [p.field for p in totals.blocking] == ["total"]  # the rows' sum checks the total
    future = check(
        doc, fixed({"transaction_date": (dt.date.today() + dt.timedelta(days=3)).isoformat()})
    )
    assert [p.field for p in future.blocking] == ["transaction_date"]
    ok = check(doc, fixed())
    assert ok.blocking == []
    assert set(ok.changed) == {"merchant_name", "line_items"}
    assert ok.document.fields["merchant_name"].provenance is not None
    assert ok.document.fields["merchant_name"].provenance.word_ids == ["p0-w0", "p0-w1"]


def test_approve_stores_corrections_audit_example_and_events(
    factory: sessionmaker[Session], workspace_id: str, tmp_path: Path
) -> None:
    with factory.begin() as s:
        create_webhook(s, workspace_id, "http://127.0.0.1:9/hook")
    doc_id = stored_document(factory, workspace_id)
    person = reviewer(factory, "rev@x.org", workspace_id)
    with pytest.raises(BlockingProblemsError), factory.begin() as s:
        approve(s, person, doc_id, Correction(fields={"total": "nope"}), data_dir=None)
    assert count(factory, TrainingExampleRow) == 0
    with factory.begin() as s:
        approve(s, person, doc_id, fixed(), data_dir=tmp_path)
    with factory() as s:
        decision = decision_of(s, doc_id)
        assert decision is not None and decision.outcome == DecisionOutcome.APPROVED
        assert decision.decided_by == "rev@x.org" and decision.decided_at is not None
        doc = load(s, doc_id, (workspace_id,))
        assert doc.value("merchant_name") == "ACME STORE"
        assert [i.value("description") for i in doc.line_items] == ["BREAD", "MILK"]
        entries = list_entries(s, doc_id)
        model = [e for e in entries if e.actor_kind == "model" and e.field == "merchant_name"]
        assert model and model[0].new_value == "ACME" and model[0].actor_id == "receipt-test-1"
        fix = [e for e in entries if e.actor_kind == "person" and e.field == "merchant_name"]
        assert [(e.old_value, e.new_value, e.actor_id) for e in fix] == [
            ("ACME", "ACME STORE", person.id)
        ]
        assert any(e.action == "approve" for e in entries)
        example = s.scalars(select(TrainingExampleRow)).one()
        assert example.example["fields"]["merchant_name"] == "ACME STORE"
        assert example.example["fields"]["total"] == "3.70"
        assert example.user_id == person.id
        events = {d.event for d in s.scalars(select(WebhookDelivery))}
        assert "document.decided" in events
        item = s.get(ReviewItem, doc_id)
        assert item is not None and item.state == "approved"
        assert item.corrected_fields == ["line_items", "merchant_name"]
    # the approval taught the memory once it was committed, whoever called it
    trained = CounterpartyMemory.load(PACKAGED_RECEIPT / "memory.json")
    assert len(learnt(tmp_path)) == len(trained) + 1  # what training taught, plus this supplier
    with pytest.raises(ConflictError), factory.begin() as s:
        approve(s, person, doc_id, fixed(), data_dir=None)


def test_an_approval_rolled_back_teaches_the_memory_nothing(
    factory: sessionmaker[Session], workspace_id: str, tmp_path: Path
) -> None:
    doc_id = stored_document(factory, workspace_id)
    person = reviewer(factory, "rev@x.org", workspace_id)
    with pytest.raises(RuntimeError), factory.begin() as s:
        approve(s, person, doc_id, fixed(), data_dir=tmp_path)
        raise RuntimeError("the caller's transaction fails after the approval")
    time.sleep(0.5)
    assert not (tmp_path / "learning" / "memory.json").exists()
    with factory.begin() as s:  # the same approval, committed, does teach it
        approve(s, person, doc_id, fixed(), data_dir=tmp_path)
    assert len(learnt(tmp_path)) > 0


def test_a_document_another_reviewer_holds_cannot_be_decided(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc_id = stored_document(factory, workspace_id)
    a = reviewer(factory, "a@x.org", workspace_id)
    b = reviewer(factory, "b@x.org", workspace_id)
    with factory.begin() as s:
        assert claim(s, a.id, doc_id, a.workspace_ids)
    with pytest.raises(ConflictError, match="another reviewer"), factory.begin() as s:
        approve(s, b, doc_id, fixed(), data_dir=None)


def test_reject_needs_a_reason(factory: sessionmaker[Session], workspace_id: str) -> None:
    doc_id = stored_document(factory, workspace_id)
    person = reviewer(factory, "rev@x.org", workspace_id)
    with pytest.raises(InvalidRequestError), factory.begin() as s:
        reject(s, person, doc_id, "   ")
    with factory.begin() as s:
        reject(s, person, doc_id, "not a receipt")
    with factory() as s:
        decision = decision_of(s, doc_id)
        assert decision is not None and decision.outcome == DecisionOutcome.REJECTED
        assert "not a receipt" in decision.reasons
        assert [e.new_value for e in list_entries(s, doc_id) if e.action == "reject"] == [
            "not a receipt"
        ]
        assert list_queue(s, QueueFilter((workspace_id,))) == []


def test_deleting_a_document_erases_its_examples_audit_and_review(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc_id = stored_document(factory, workspace_id)
    person = reviewer(factory, "rev@x.org", workspace_id)
    with factory.begin() as s:
        approve(s, person, doc_id, fixed(), data_dir=None)
    assert count(factory, TrainingExampleRow) == 1
    assert count(factory, AuditEvent) > 0
    with factory.begin() as s:
        assert delete_document(s, workspace_id, doc_id) is not None
    assert count(factory, TrainingExampleRow) == 0
    assert count(factory, ReviewItem) == 0
    # What stays is the chain's record that entries were erased: numbers and hashes only.
    with factory() as s:
        (left,) = s.scalars(select(AuditEvent)).all()
    assert left.action == "audit.erased" and left.document_id is None
    assert left.new_value["document_id"] == doc_id
    assert {len(e) for e in left.new_value["entries"]} == {3}


def test_no_decision_while_the_document_is_processed_again(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    from paperclerk.queue.jobs import reprocess

    doc_id = stored_document(factory, workspace_id)
    person = reviewer(factory, "rev@x.org", workspace_id)
    with factory.begin() as s:
        assert reprocess(s, doc_id, workspace_id=workspace_id)
    with pytest.raises(ConflictError, match="processed again"), factory.begin() as s:
        approve(s, person, doc_id, fixed(), data_dir=None)
    assert count(factory, TrainingExampleRow) == 0


def test_a_reprocessed_result_is_audited_against_the_values_before(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    from paperclerk.queue.jobs import finish_document, reprocess
    from paperclerk.queue.lease import claim as claim_job
    from paperclerk.review import on_result_stored
    from tests.service.review_helpers import receipt_document

    doc_id = stored_document(factory, workspace_id)
    with factory.begin() as s:
        assert reprocess(s, doc_id, workspace_id=workspace_id)
    job = claim_job(factory, "test")
    assert job is not None
    again = receipt_document(needs_review=False)
    again.id, again.workspace = doc_id, workspace_id
    del again.fields["transaction_date"]
    again.fields["total"].value = Decimal("3.75")
    with factory.begin() as s:
        assert finish_document(s, doc_id, again, job.id)
        on_result_stored(s, doc_id, workspace_id, again)
    with factory() as s:
        entries = list_entries(s, doc_id)
        item = s.get(ReviewItem, doc_id)
        assert item is not None and item.state == "auto"
    last = {e.field: e for e in entries}
    assert (last["total"].old_value, last["total"].new_value) == ("3.70", "3.75")
    assert (last["transaction_date"].old_value, last["transaction_date"].new_value) == (
        "2025-03-12",
        None,
    )
    assert last["decision"].old_value["outcome"] == "needs_review"
