"""Accuracy floors on the shared real documents: a regression here means extraction got worse.

The floors sit a few points under the figures measured when they were set (see
docs/measurements.md), so OCR noise between machines does not make them flaky.
"""

from __future__ import annotations

import pytest

from paperclerk.datasets.invoice2data_format import iter_invoice_samples
from paperclerk.evaluation.invoices import evaluate_invoices
from paperclerk.evaluation.sroie import evaluate_sroie
from tests.conftest import SHARED, needs_shared


@needs_shared("sroie")
@pytest.mark.shared
def test_sroie_given_ocr_floor() -> None:
    board = evaluate_sroie(SHARED / "sroie", given_ocr=True)
    assert board.docs == 326
    assert board.micro.f1 >= 0.86
    assert board.fields["date"].f1 >= 0.97
    assert board.fields["total"].f1 >= 0.90


@needs_shared("sroie")
@pytest.mark.shared
@pytest.mark.slow
def test_sroie_end_to_end_floor() -> None:
    board = evaluate_sroie(SHARED / "sroie", limit=24)
    assert not board.errors
    assert board.micro.f1 >= 0.70


@needs_shared("invoices/invoice2data")
@pytest.mark.shared
@pytest.mark.slow
def test_invoice2data_floor() -> None:
    board = evaluate_invoices(iter_invoice_samples(SHARED / "invoices" / "invoice2data"))
    assert not board.errors
    assert board.fields["date"].f1 >= 0.8
    assert board.micro.f1 >= 0.6
