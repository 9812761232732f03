"""Invoice payment approval flow on a SQLite database: steps, delegation, rejection, due times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.model import Decision, DecisionOutcome, DocType, Document
from paperclerk.payables import approval_flow as flow
from paperclerk.payables import approval_store as store
from paperclerk.payables.approval_errors import (
    ApprovalConflictError,
    ApprovalInputError,
    ApprovalNotFoundError,
    NotAMemberError,
    NotApproverError,
    UnknownUserError,
)
from paperclerk.payables.approval_policy import policy_from_dict
from paperclerk.payables.approval_service import on_data_approved
from paperclerk.storage.columns import DocumentStatus
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import AuditEvent, Base, DocumentRow, Webhook, WebhookDelivery
from paperclerk.storage.users import create_user
from paperclerk.storage.workspaces import create_workspace
from tests.unit.test_export_ubl import invoice

T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
PASSWORD = "a long enough password"
POLICY = {
    "rules": [
        {
            "name": "two steps",
            "when": {"min_amount": "100"},
            "steps": [
                {"name": "manager", "approvers": ["manager@x.test"], "due_hours": 24},
                {"name": "cfo", "approvers": ["cfo@x.test"], "due_hours": 48},
            ],
        }
    ]
}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'flow.db'}")
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def ws(db: sessionmaker[Session]) -> str:
    """A workspace with an approval policy, a webhook for `invoice.approved` and members."""
    with db.begin() as s:
        ws = create_workspace(s, "acme").id
        other = create_workspace(s, "other").id
        for email in ("manager@x.test", "cfo@x.test", "deputy@x.test", "clerk@x.test"):
            create_user(s, email, PASSWORD, "reviewer", [ws])
        create_user(s, "outsider@x.test", PASSWORD, "reviewer", [other])
        store.save_policy(s, ws, policy_from_dict(POLICY), "test")
        s.add(Webhook(workspace_id=ws, url="https://erp.test/h", secret="s",
                      events=["invoice.approved"], active=True))  # fmt: skip
    return ws


def add_invoice(db: sessionmaker[Session], ws: str, **fields: Any) -> str:
    doc = invoice(**fields)
    doc.decision = Decision(outcome=DecisionOutcome.AUTO_APPROVED)
    with db.begin() as s:
        row = DocumentRow(
            workspace_id=ws,
            sha256="0" * 64,
            size_bytes=1,
            status=DocumentStatus.DONE,
            doc_type="invoice",
            result=doc.model_dump(mode="json"),
        )
        s.add(row)
        s.flush()
        doc.id = row.id
        row.result = doc.model_dump(mode="json")
        return row.id


def start(db: sessionmaker[Session], ws: str, doc_id: str, at: dt.datetime = T0) -> str:
    with db.begin() as s:
        row = s.get(DocumentRow, doc_id)
        assert row is not None and row.result is not None
        started = flow.start_approval(s, ws, doc_id, invoice_of(row), now=at)
        assert started.request is not None
        return started.request.id


def invoice_of(row: DocumentRow) -> Document:
    return Document.model_validate(row.result)


def actions(db: sessionmaker[Session], doc_id: str) -> list[tuple[str, str | None]]:
    with db() as s:
        stmt = select(AuditEvent.action, AuditEvent.actor_id).where(
            AuditEvent.document_id == doc_id, AuditEvent.action.like("approval.%")
        )
        return [(a, b) for a, b in s.execute(stmt.order_by(AuditEvent.id))]


def deliveries(db: sessionmaker[Session]) -> list[WebhookDelivery]:
    with db() as s:
        return list(s.scalars(select(WebhookDelivery)))


def test_two_steps_in_order_then_payable(db: sessionmaker[Session], ws: str) -> None:
    doc_id = add_invoice(db, ws)
    req = start(db, ws, doc_id)
    with db() as s:
        request = store.get_request(s, ws, req)
        steps = store.request_steps(s, req)
        assert request.status == "pending" and request.rule_name == "two steps"
        assert [x.status for x in steps] == ["current", "waiting"]
        assert steps[0].due_at == T0 + dt.timedelta(hours=24) and steps[1].due_at is None
    at = T0 + dt.timedelta(hours=1)
    with db.begin() as s, pytest.raises(NotApproverError):  # the cfo is not step 0's approver
        flow.approve_step(s, ws, req, "cfo@x.test", now=at)
    with db.begin() as s:
        flow.approve_step(s, ws, req, "Manager@X.test", comment=" ok  ", now=at)
    with db.begin() as s, pytest.raises(ApprovalConflictError):  # step 0 is done
        flow.approve_step(s, ws, req, "cfo@x.test", step=0, now=at)
    assert deliveries(db) == []
    later = T0 + dt.timedelta(hours=3)
    with db.begin() as s:
        steps = store.request_steps(s, req)
        assert steps[0].acted_by == "manager@x.test" and steps[0].comment == "ok"
        assert steps[1].status == "current" and steps[1].due_at == at + dt.timedelta(hours=48)
        done = flow.approve_step(s, ws, req, "cfo@x.test", step=1, now=later)
        assert done.status == "approved" and done.decided_at == later
    with db.begin() as s, pytest.raises(ApprovalConflictError):
        flow.approve_step(s, ws, req, "cfo@x.test", now=later)
    assert actions(db, doc_id) == [
        ("approval.started", None),
        ("approval.step_approved", "manager@x.test"),
        ("approval.step_approved", "cfo@x.test"),
        ("approval.completed", "cfo@x.test"),
    ]
    [sent] = deliveries(db)
    assert sent.event == "invoice.approved" and sent.document_id == doc_id
    body = sent.payload or {}
    assert body["amounts"]["total"] == "173.50"
    assert [x["acted_by"] for x in body["approval"]["steps"]] == ["manager@x.test", "cfo@x.test"]
    assert body["export"]["journal"]["document_id"] == doc_id
    assert body["export"]["lines"][0]["document_id"] == doc_id


def test_a_delegate_acts_within_the_window_only(db: sessionmaker[Session], ws: str) -> None:
    doc_id = add_invoice(db, ws)
    req = start(db, ws, doc_id)
    starts, ends = T0 + dt.timedelta(hours=2), T0 + dt.timedelta(hours=10)
    with db.begin() as s:
        flow.add_delegation(s, ws, "manager@x.test", "deputy@x.test", starts, ends, now=T0)
    for outside in (T0 + dt.timedelta(hours=1), ends):
        with db.begin() as s, pytest.raises(NotApproverError):
            flow.approve_step(s, ws, req, "deputy@x.test", now=outside)
    with db.begin() as s:  # a delegate of the manager cannot act on the cfo's step either
        flow.approve_step(s, ws, req, "deputy@x.test", now=starts)
        step = store.request_steps(s, req)[0]
        assert (step.acted_by, step.acted_for) == ("deputy@x.test", "manager@x.test")
    with db.begin() as s, pytest.raises(NotApproverError):
        flow.approve_step(s, ws, req, "deputy@x.test", now=starts)
    assert actions(db, doc_id)[1:] == [
        ("approval.delegated", "deputy@x.test"),
        ("approval.step_approved", "deputy@x.test"),
    ]


def test_delegations_need_members_and_a_sensible_window(db: sessionmaker[Session], ws: str) -> None:
    later = T0 + dt.timedelta(hours=1)
    cases: list[tuple[str, str, dt.datetime, dt.datetime, type[Exception]]] = [
        ("manager@x.test", "outsider@x.test", T0, later, NotAMemberError),
        ("manager@x.test", "ghost@x.test", T0, later, UnknownUserError),
        ("manager@x.test", "manager@x.test", T0, later, ApprovalInputError),
        ("manager@x.test", "deputy@x.test", later, T0, ApprovalInputError),
        ("manager@x.test", "deputy@x.test", T0 - dt.timedelta(days=2), T0, ApprovalInputError),
    ]
    for source, target, starts, ends, error in cases:
        with db.begin() as s, pytest.raises(error):
            flow.add_delegation(s, ws, source, target, starts, ends, now=T0)


def test_a_rejection_ends_the_approval(db: sessionmaker[Session], ws: str) -> None:
    doc_id = add_invoice(db, ws)
    req = start(db, ws, doc_id)
    with db.begin() as s, pytest.raises(ApprovalInputError):
        flow.reject(s, ws, req, "manager@x.test", "   ", now=T0)
    with db.begin() as s, pytest.raises(NotAMemberError):
        flow.reject(s, ws, req, "outsider@x.test", "no", now=T0)
    with db.begin() as s:
        done = flow.reject(s, ws, req, "manager@x.test", "not ordered", now=T0)
        assert done.status == "rejected" and done.current_step is None
        steps = store.request_steps(s, req)
        assert [x.status for x in steps] == ["rejected", "waiting"]
    with db.begin() as s, pytest.raises(ApprovalConflictError):
        flow.approve_step(s, ws, req, "manager@x.test", now=T0)
    assert actions(db, doc_id)[-1] == ("approval.rejected", "manager@x.test")
    assert deliveries(db) == []


def test_overdue_steps_are_listed(db: sessionmaker[Session], ws: str) -> None:
    first = start(db, ws, add_invoice(db, ws))
    second = start(db, ws, add_invoice(db, ws), at=T0 + dt.timedelta(hours=20))
    with db() as s:
        assert flow.overdue_steps(s, ws, T0 + dt.timedelta(hours=23)) == []
        assert [r.id for r in flow.overdue_steps(s, ws, T0 + dt.timedelta(hours=25))] == [first]
        late = {r.id for r in flow.overdue_steps(s, ws, T0 + dt.timedelta(hours=45))}
        assert late == {first, second}
        assert {r.id for r in flow.pending_for(s, ws, "manager@x.test")} == {first, second}
        assert flow.pending_for(s, ws, "cfo@x.test") == []


def test_start_is_idempotent_and_an_unmatched_invoice_is_payable_at_once(
    db: sessionmaker[Session], ws: str
) -> None:
    doc_id = add_invoice(db, ws)
    assert start(db, ws, doc_id) == start(db, ws, doc_id)
    assert len(actions(db, doc_id)) == 1
    cheap = add_invoice(db, ws, total="50.00", amount_due="50.00")
    req = start(db, ws, cheap)
    with db() as s:
        request = store.get_request(s, ws, req)
        assert request.status == "approved" and request.rule_name is None
        assert request.reason.startswith("no_rule") and store.request_steps(s, req) == []
    assert [d.document_id for d in deliveries(db)] == [cheap]


def test_only_data_approved_invoices_start(db: sessionmaker[Session], ws: str) -> None:
    doc_id = add_invoice(db, ws)
    with db.begin() as s:
        row = s.get(DocumentRow, doc_id)
        assert row is not None
        doc = invoice_of(row)
        doc.decision = Decision(outcome=DecisionOutcome.NEEDS_REVIEW)
        on_data_approved(s, doc_id, ws, doc)
        doc.decision = Decision(outcome=DecisionOutcome.APPROVED)
        doc.doc_type = DocType.RECEIPT
        on_data_approved(s, doc_id, ws, doc)
        assert store.request_for_document(s, ws, doc_id) is None
        doc.doc_type = DocType.INVOICE
        on_data_approved(s, doc_id, ws, doc)
        assert store.request_for_document(s, ws, doc_id) is not None


def test_two_approvals_of_one_step_cannot_both_succeed(db: sessionmaker[Session], ws: str) -> None:
    req = start(db, ws, add_invoice(db, ws))
    with db() as stale:  # loaded before the other approval commits
        step = store.request_steps(stale, req)[0]
        assert step.status == "current"
        with db.begin() as s:
            flow.approve_step(s, ws, req, "manager@x.test", now=T0)
        assert not store.take_step(stale, step, "approved", "manager@x.test", None, None, T0)
        assert step.acted_at == T0  # refreshed: the first approval's, untouched


def test_another_workspace_sees_nothing(db: sessionmaker[Session], ws: str) -> None:
    doc_id = add_invoice(db, ws)
    req = start(db, ws, doc_id)
    with db() as s:
        other = create_workspace(s, "third").id
        for workspace, request_id in ((other, req), (ws, "not-an-id"), (ws, "f" * 32)):
            with pytest.raises(ApprovalNotFoundError):
                store.get_request(s, workspace, request_id)
        assert store.request_for_document(s, other, doc_id) is None
