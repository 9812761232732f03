"""Helpers of the review tests: documents with a stored result, without running OCR."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.model import (
    Box,
    Decision,
    DecisionOutcome,
    DocType,
    Document,
    ExtractedField,
    FieldSource,
    Line,
    LineItem,
    Page,
    Provenance,
    Word,
)
from paperclerk.pipeline.decide import decide
from paperclerk.pipeline.policy import packaged_policy
from paperclerk.queue.jobs import finish_document
from paperclerk.review import on_result_stored
from paperclerk.rules.basic import run_rules
from tests.service.helpers import submit

WORDS = [
    ("ACME", 20, 20), ("STORE", 110, 20), ("DATE", 20, 60), ("12/03/2025", 110, 60),
    ("BREAD", 20, 100), ("2.50", 200, 100), ("MILK", 20, 140), ("1.20", 200, 140),
    ("TOTAL", 20, 180), ("3.70", 200, 180),
]  # fmt: skip


THRESHOLDS = {"merchant_name": 0.9, "transaction_date": 0.9, "total": 0.9}
"""Calibrated thresholds as a receipt model would give them: 0.5 is unsure, 0.95 sure."""
POLICY = packaged_policy().for_type(DocType.RECEIPT).model_copy(update={"advisory_rules": []})
"""The receipt policy with the line-item sum gating (the packaged one only shows it), so the
missing row is a reason for review as well as the unsure merchant name."""


def receipt_document(*, needs_review: bool = True) -> Document:
    """A receipt with words; by default one line item is missing, so it needs review."""
    words = [
        Word(
            id=f"p0-w{i}",
            text=t,
            box=Box(x0=x, y0=y, x1=x + 80, y1=y + 28),
            norm_box=Box(x0=x, y0=y, x1=x + 80, y1=y + 28).normalised(400, 240),
            confidence=0.95,
            line_id=f"p0-l{y}",
        )
        for i, (t, x, y) in enumerate(WORDS)
    ]
    lines = [
        Line(id=f"p0-l{y}", text=" ".join(w.text for w in words if w.line_id == f"p0-l{y}"),
             box=Box(x0=20, y0=y, x1=280, y1=y + 28),
             word_ids=[w.id for w in words if w.line_id == f"p0-l{y}"], confidence=0.9)
        for y in sorted({y for _, _, y in WORDS})
    ]  # fmt: skip

    def f(name: str, value: object, ids: list[str], conf: float) -> ExtractedField:
        return ExtractedField(
            name=name,
            value=value,  # type: ignore[arg-type]
            raw_text=str(value),
            confidence=conf,
            provenance=Provenance(page=0, word_ids=ids),
            source=FieldSource.MODEL,
        )

    def item(i: int, desc: str, price: str) -> LineItem:
        cells = {
            "description": f("description", desc, [f"p0-w{4 + 2 * i}"], 0.9),
            "total_price": f("total_price", Decimal(price), [f"p0-w{5 + 2 * i}"], 0.9),
        }
        return LineItem(index=i, fields=cells)

    items = [item(0, "BREAD", "2.50")]
    if not needs_review:
        items.append(item(1, "MILK", "1.20"))
    doc = Document(
        sha256="a" * 64,
        media_type="image/png",
        size_bytes=10,
        pages=[Page(index=0, width=400, height=240, words=words, lines=lines)],
        doc_type=DocType.RECEIPT,
        doc_type_confidence=0.99,
        fields={
            "merchant_name": f(
                "merchant_name", "ACME", ["p0-w0"], 0.95 if not needs_review else 0.5
            ),
            "transaction_date": f("transaction_date", dt.date(2025, 3, 12), ["p0-w3"], 0.99),
            "total": f("total", Decimal("3.70"), ["p0-w9"], 0.99),
        },
        line_items=items,
        model_versions={"extract": "receipt-test-1", "classify": "doctype-test-1"},
    )
    doc.findings = run_rules(doc)
    doc.decision = decide(doc, POLICY, thresholds=THRESHOLDS)
    assert (doc.decision.outcome == DecisionOutcome.NEEDS_REVIEW) == needs_review
    return doc


def stored_document(
    factory: sessionmaker[Session], workspace_id: str, *, needs_review: bool = True
) -> str:
    """Create a document, store a receipt result for it as a worker would; return its id."""
    row, job = submit(factory, workspace_id)
    doc = receipt_document(needs_review=needs_review)
    doc.id, doc.workspace = row.id, workspace_id
    with factory.begin() as session:
        assert finish_document(session, row.id, doc, job.id)
        on_result_stored(session, row.id, workspace_id, doc)
    return row.id


def decision_of(session: Session, document_id: str) -> Decision | None:
    """Return the stored decision of a document."""
    from paperclerk.storage.tables import DocumentRow

    row = session.get(DocumentRow, document_id)
    assert row is not None and row.result is not None
    return Document.model_validate(row.result).decision


def learnt(data_dir: Path, timeout: float = 10.0) -> CounterpartyMemory:
    """Wait for the memory file an approval writes in the background; return it."""
    path = data_dir / "learning" / "memory.json"
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, "the approval did not teach the memory"
        time.sleep(0.05)
    return CounterpartyMemory.load(path)
