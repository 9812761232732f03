"""Scoring of `paperclerk eval proof`: value comparison, transactions and the truth files."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from paperclerk.errors import PaperclerkError
from paperclerk.evaluation import proof
from paperclerk.evaluation.proof import (
    AMOUNT_FIELDS,
    CONTINUITY,
    DATE_FIELDS,
    PROOF_TYPES,
    ProofRecord,
    evaluate_proof,
    f1,
    field_matches,
    flagged,
    load_proof_set,
    read_transactions,
    transaction_counts,
)
from paperclerk.model import DocType, Document, ExtractedField, Finding, LineItem, Severity

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_heldout_proof.py"
CONTRACT = {
    "payslip": {"employer", "employee", "period_start", "period_end", "pay_date", "gross_pay",
                "net_pay", "currency"},
    "bank_statement": {"bank", "account_holder", "iban", "period_start", "period_end",
                       "opening_balance", "closing_balance", "currency"},
    "utility_bill": {"provider", "customer_name", "customer_address", "issue_date",
                     "amount_due", "currency", "due_date"},
}  # fmt: skip


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


@pytest.mark.parametrize(
    ("name", "expected", "got", "ok"),
    [
        ("gross_pay", "1234.56", "1234.5", False),
        ("amount_due", "1234.56", "not a number", False),
        ("opening_balance", "-0.50", Decimal("0.50"), False),  # the sign counts
        ("due_date", "2024-03-31", "2024-03-31", True),
        ("pay_date", "2024-03-31", dt.date(2024, 3, 30), False),
        ("iban", "NL91ABNA0417164300", "nl91 abna 0417 1643 01", False),
        ("currency", "EUR", "GBP", False),
        ("bank", "Crédit Mütuel", "credit-mutuel", True),
        ("account_holder", "Ava Karilo", "Ava Karilo Jr", False),
        ("customer_name", "Ｚoe Ｐaros", "zoe paros", True),  # NFKC: full-width letters
    ],
)
def test_field_matches_each_kind(name: str, expected: str, got: object, ok: bool) -> None:
    assert field_matches(name, expected, got) is ok


def _statement(rows: list[tuple[dt.date | None, str]], broken: bool | None) -> Document:
    """A processed statement with line items and, unless None, a continuity finding."""
    items = [
        LineItem(
            index=n,
            fields={
                **({"date": ExtractedField(name="date", value=day, confidence=0.9)} if day else {}),
                "amount": ExtractedField(name="amount", value=Decimal(amount), confidence=0.9),
            },
        )
        for n, (day, amount) in enumerate(rows)
    ]
    findings = (
        []
        if broken is None
        else [
            Finding(
                id="c", rule_id=CONTINUITY, severity=Severity.ERROR if broken else Severity.INFO,
                passed=not broken, message="",
            )
        ]
    )  # fmt: skip
    return Document(
        media_type="image/png", size_bytes=1, sha256="0" * 64, doc_type=DocType.BANK_STATEMENT,
        fields={"iban": ExtractedField(name="iban", value="DE00 1234", confidence=0.9)},
        line_items=items, findings=findings,
    )  # fmt: skip


def test_read_transactions_gives_iso_days_and_cents() -> None:
    doc = _statement([(dt.date(2024, 3, 3), "-750"), (None, "12.5")], broken=None)
    assert read_transactions(doc) == [("2024-03-03", "-750.00"), ("", "12.50")]
    assert not flagged(doc)
    assert flagged(_statement([], broken=True))
    assert not flagged(_statement([], broken=False))


def test_evaluate_proof_figures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    day = dt.date(2024, 3, 3)
    tx = [("2024-03-03", "-1.00"), ("2024-03-03", "2.00")]
    recs = [
        # edited and flagged; one of two transactions read, one wrong one read
        ProofRecord(tmp_path / "s1.png", DocType.BANK_STATEMENT, {"iban": "DE001234"}, tx, True),
        # edited, not flagged; both transactions read
        ProofRecord(tmp_path / "s2.png", DocType.BANK_STATEMENT, {"iban": "DE001234"}, tx, True),
        # intact, flagged anyway (a false alarm)
        ProofRecord(tmp_path / "s3.png", DocType.BANK_STATEMENT, {"iban": "XX"}, tx, False),
        # intact, and unreadable: its transactions are missed, it is not flagged
        ProofRecord(tmp_path / "s4.png", DocType.BANK_STATEMENT, {"iban": "XX"}, tx, False),
        ProofRecord(tmp_path / "p1.png", DocType.PAYSLIP, {"net_pay": "10.00", "currency": "EUR"}),
    ]
    docs: dict[str, Document] = {
        "s1.png": _statement([(day, "-1"), (day, "3")], broken=True),
        "s2.png": _statement([(day, "-1"), (day, "2")], broken=False),
        "s3.png": _statement([(day, "-1"), (day, "2")], broken=True),
        "p1.png": Document(
            media_type="image/png", size_bytes=1, sha256="0" * 64, doc_type=DocType.PAYSLIP,
            fields={"net_pay": ExtractedField(name="net_pay", value=Decimal("10"), confidence=1),
                    "currency": ExtractedField(name="currency", value="GBP", confidence=1)},
        ),
    }  # fmt: skip
    forced: list[DocType | None] = []

    def fake_process(path: Path, **kwargs: Any) -> Document:
        forced.append(kwargs.get("doc_type_hint"))
        if path.name not in docs:
            raise PaperclerkError("unreadable")
        return docs[path.name]

    classified = iter([DocType.BANK_STATEMENT, DocType.OTHER, DocType.BANK_STATEMENT,
                       DocType.PAYSLIP])  # fmt: skip
    monkeypatch.setattr(proof, "process_path", fake_process)
    monkeypatch.setattr(proof, "classify_pages", lambda pages: (next(classified), 1.0, {}))
    seen: list[str] = []
    out = evaluate_proof(recs, on_record=lambda r: seen.append(r.path.name))
    assert forced == [r.doc_type for r in recs]  # every read has its type given
    assert seen == [r.path.name for r in recs]
    assert out["documents"] == 5
    assert out["doc_type_accuracy"] == pytest.approx(3 / 5, abs=1e-4)  # s2 other, s4 unread
    bank = out["types"]["bank_statement"]
    assert bank["fields"]["iban"] == {"accuracy": 0.5, "n": 4}
    assert bank["documents"] == 4
    assert out["types"]["payslip"]["fields"]["currency"] == {"accuracy": 0.0, "n": 1}
    assert out["types"]["payslip"]["fields_accuracy"] == 0.5
    assert out["fields_accuracy"] == pytest.approx(3 / 6, abs=1e-4)
    # matched 1 + 2 + 2 + 0 of 8 true; 6 read
    assert out["transactions_f1"] == pytest.approx(2 * 5 / (6 + 8), abs=1e-4)
    assert out["continuity_flag_rate"] == 0.5
    assert out["continuity_false_alarm_rate"] == 0.5
    assert out["errors"] == ["s4.png: unreadable"]
    assert out["seconds_per_doc"] is not None
    assert out["records"][4]["misses"] == {"currency": {"truth": "EUR", "read": "GBP"}}
    assert out["records"][0]["transactions"] == {"matched": 1, "read": 2, "true": 2}
    assert [r.get("flagged") for r in out["records"]] == [True, False, True, False, None]


def test_continuity_rates_without_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proof, "process_path", lambda path, **kw: Document(
        media_type="image/png", size_bytes=1, sha256="0" * 64))  # fmt: skip
    monkeypatch.setattr(proof, "classify_pages", lambda pages: (DocType.OTHER, 1.0, {}))
    out = evaluate_proof([ProofRecord(Path("u.png"), DocType.UTILITY_BILL, {"due_date": "x"})])
    assert out["continuity_flag_rate"] is None
    assert out["continuity_false_alarm_rate"] is None
    assert out["transactions_f1"] is None
    assert out["fields_accuracy"] == 0.0


@pytest.mark.parametrize("extras", [False, True])
def test_heldout_generator_writes_readable_sets(tmp_path: Path, extras: bool) -> None:
    out = tmp_path / "set"
    cmd = [sys.executable, str(SCRIPT), str(out), "--count", "2", "--seed", "5"]
    subprocess.run([*cmd, *(["--extras"] if extras else [])], check=True, capture_output=True)
    truths = sorted(out.glob("*.gt.json"))
    assert len(truths) == 6
    records = load_proof_set(out)  # every truth has its image beside it
    assert {r.doc_type for r in records} == set(PROOF_TYPES)
    for gt, rec in zip(truths, records, strict=True):
        data = json.loads(gt.read_text(encoding="utf-8"))
        with Image.open(rec.path) as img:
            img.verify()
        fields = data["fields"]
        assert set(fields) == CONTRACT[data["doc_type"]]
        for name, value in fields.items():
            if name in AMOUNT_FIELDS:
                assert re.fullmatch(r"-?\d+\.\d\d", value), (name, value)
            if name in DATE_FIELDS:
                assert dt.date.fromisoformat(value).isoformat() == value
        if data["doc_type"] == "bank_statement":
            assert 5 <= len(data["transactions"]) <= 25
            total = sum(Decimal(t["amount"]) for t in data["transactions"])
            adds_up = Decimal(fields["opening_balance"]) + total == Decimal(
                fields["closing_balance"]
            )
            assert isinstance(data["continuity_broken"], bool)
            assert adds_up or data["continuity_broken"]
        else:
            assert "transactions" not in data
