"""A service's reviewed memory: one confirmation in the web process helps the next document
that a worker process reads."""

from __future__ import annotations

from pathlib import Path

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.learning.loader import PACKAGED_RECEIPT, service_receipt_extractor
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.learning.reviewed_memory import ReviewedMemory, ReviewedReceiptExtractor
from paperclerk.model import DocType, FieldSource
from tests.conftest import page_from_lines

NAME, ADDRESS = "NEWCO HARDWARE SDN BHD", "NO 7, JALAN KILANG 2, 40000 SHAH ALAM"
MISREAD = [(60, 20, "NEWC0 HARDWARE SDN BHD"), (40, 50, "NO 7. JALAN KILANG 2,"),
           (40, 75, "40000 SHAH ALAM"), (40, 120, "TOTAL 12.00")]  # fmt: skip


def _confirmed() -> TrainingExample:
    return TrainingExample(
        id="review/1",
        doc_type=DocType.RECEIPT,
        pages=[page_from_lines(MISREAD)],
        fields={"merchant_name": NAME, "merchant_address": ADDRESS, "total": "12.00"},
        source="review",
    )


def test_a_confirmation_reaches_the_workers_next_document(tmp_path: Path) -> None:
    worker = service_receipt_extractor(tmp_path)
    assert isinstance(worker, ReviewedReceiptExtractor)
    second = [page_from_lines([*MISREAD[:3], (40, 120, "TOTAL 30.50")])]
    before = worker.extract(second).fields
    assert before["merchant_name"].value != NAME
    web = ReviewedMemory(tmp_path, base=PACKAGED_RECEIPT / "memory.json")
    web.remember(_confirmed())
    after = worker.extract(second).fields
    assert after["merchant_name"].value == NAME
    assert after["merchant_address"].value == ADDRESS
    assert after["merchant_name"].source == FieldSource.MEMORY
    assert worker.version.endswith(f"+memory/{len(web.current() or [])}")


def test_the_first_confirmation_keeps_what_training_taught(tmp_path: Path) -> None:
    base = CounterpartyMemory.load(PACKAGED_RECEIPT / "memory.json")
    memory = ReviewedMemory(tmp_path, base=PACKAGED_RECEIPT / "memory.json")
    assert memory.current() is None
    memory.remember(_confirmed())
    memory.remember(_confirmed())
    reread = ReviewedMemory(tmp_path).current()
    assert reread is not None and len(reread) == len(base) + 1
    assert not list((tmp_path / "learning").glob(".*.tmp"))


def test_without_a_base_the_memory_starts_empty(tmp_path: Path) -> None:
    memory = ReviewedMemory(tmp_path)
    assert len(memory.remember(_confirmed())) == 1
