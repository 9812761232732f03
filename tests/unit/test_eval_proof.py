"""Scoring of `paperclerk eval proof`: value comparison, transactions and the truth files."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from paperclerk.evaluation.proof import f1, field_matches, load_proof_set, transaction_counts
from paperclerk.model import DocType


@pytest.mark.parametrize(
    ("name", "expected", "got", "ok"),
    [
        ("net_pay", "2637.60", Decimal("2637.6"), True),
        ("net_pay", "2637.60", Decimal("2637.61"), False),
        ("closing_balance", "-12.30", "-12.3", True),
        ("period_start", "2024-03-01", dt.date(2024, 3, 1), True),
        ("period_start", "2024-03-01", dt.date(2024, 1, 3), False),
        ("iban", "DE89370400440532013000", "DE89 3704 0044 0532 0130 00", True),
        ("currency", "EUR", "eur", True),
        ("employee", "Léa Moreau", "LEA  MOREAU", True),
        ("customer_address", "7 Mill Lane, Bristol BS1 5TR", "7 Mill Lane Bristol BS1 5TR", True),
        ("employer", "Northwind Ltd", "Northwind", False),
        ("employer", "Northwind Ltd", None, False),
    ],
)
def test_field_matches(name: str, expected: str, got: object, ok: bool) -> None:
    assert field_matches(name, expected, got) is ok


def test_transactions_match_on_day_and_amount() -> None:
    truth = [("2024-03-03", "-750.00"), ("2024-03-15", "2400.5"), ("2024-03-15", "2400.50")]
    read = [("2024-03-03", "-750.00"), ("2024-03-15", "2400.50"), ("2024-03-16", "-1.00")]
    counts = transaction_counts(truth, read)
    assert counts == (2, 3, 3)
    assert f1(*counts) == pytest.approx(0.6667, abs=1e-4)
    assert f1(0, 0, 0) is None


def test_truth_files_need_their_document(tmp_path: Path) -> None:
    gt = {"doc_type": "bank_statement", "fields": {"iban": "X"}, "continuity_broken": True,
          "transactions": [{"date": "2024-03-03", "amount": "-1.00"}]}  # fmt: skip
    (tmp_path / "a.gt.json").write_text(json.dumps(gt), encoding="utf-8")
    with pytest.raises(ValueError, match="no document"):
        load_proof_set(tmp_path)
    (tmp_path / "a.png").write_bytes(b"")
    (rec,) = load_proof_set(tmp_path)
    assert rec.doc_type == DocType.BANK_STATEMENT
    assert rec.continuity_broken and rec.transactions == [("2024-03-03", "-1.00")]
    (tmp_path / "b.gt.json").write_text(json.dumps({"doc_type": "receipt"}), encoding="utf-8")
    (tmp_path / "b.png").write_bytes(b"")
    with pytest.raises(ValueError, match="not a proof document type"):
        load_proof_set(tmp_path)
