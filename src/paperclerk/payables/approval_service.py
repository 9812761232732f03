"""The approval slice's step after an invoice's data is approved: start payment approval.

`on_data_approved` runs in the transaction that approves a document's data: the worker's
(outcome `auto_approved`, `worker.tasks`) and a reviewer's (`review.decisions.approve`,
through its approval hooks, since review may not import a slice). For an invoice in a
workspace with an approval policy it starts the payment approval; in a workspace without
one the invoice is payable at once and `invoice.approved` is queued then. Idempotent: a
redelivered job or a second call adds nothing. `on_data_reopened` undoes it when the data
is reopened for review.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from paperclerk.model import DecisionOutcome, DocType, Document
from paperclerk.payables.approval_flow import start_approval, withdraw_approval
from paperclerk.payables.approval_payload import announce_payable
from paperclerk.payables.approval_store import get_policy

DATA_APPROVED = frozenset({DecisionOutcome.AUTO_APPROVED, DecisionOutcome.APPROVED})


def on_data_approved(session: Session, document_id: str, workspace_id: str, doc: Document) -> None:
    """Start the invoice's payment approval, or announce it payable without a policy.

    Anything but an invoice whose decision is `auto_approved` or `approved` is left alone.
    """
    if doc.doc_type is not DocType.INVOICE:
        return
    if doc.decision is None or doc.decision.outcome not in DATA_APPROVED:
        return
    if get_policy(session, workspace_id) is None:
        announce_payable(session, workspace_id, document_id, None)
        return
    start_approval(session, workspace_id, document_id, doc)


def on_data_reopened(
    session: Session, document_id: str, workspace_id: str, previous_state: str, reason: str
) -> None:
    """Withdraw a reopened invoice's payment approval (see `withdraw_approval`).

    Runs in the reopen's transaction (`review.decisions.on_reopened`); anything but an
    invoice with an approval or an announced payment is left alone.
    """
    withdraw_approval(session, workspace_id, document_id, previous_state, reason)
