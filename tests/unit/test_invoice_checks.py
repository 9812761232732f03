"""Invoice checks: VAT breakdown, VAT rates, VAT ids, IBAN and due date, passing and failing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from paperclerk.model import DocType, Document, ExtractedField, FieldValue, Severity
from paperclerk.model.fields import TaxDetail
from paperclerk.rules import RULES
from paperclerk.rules.invoice import (
    due_after_issue,
    iban_valid,
    vat_breakdown,
    vat_id_valid,
    vat_rate_valid,
)


def _invoice(fields: dict[str, FieldValue], taxes: Sequence[tuple[str, str, str]] = ()) -> Document:
    doc = Document(sha256="0" * 64, media_type="application/xml", size_bytes=1)
    doc.doc_type = DocType.INVOICE
    for name, value in fields.items():
        doc.fields[name] = ExtractedField(name=name, value=value, confidence=1.0)
    doc.tax_details = [
        TaxDetail(rate=Decimal(r), net=Decimal(n), tax=Decimal(t)) for r, n, t in taxes
    ]
    return doc


def test_the_invoice_checks_are_registered() -> None:
    names = {rule.__name__ for rule in RULES}
    assert {"vat_breakdown", "vat_rate_valid", "vat_id_valid", "iban_valid"} <= names
    assert "due_after_issue" in names


def test_a_vat_breakdown_that_adds_up_passes() -> None:
    doc = _invoice(
        {"subtotal": Decimal("150.00"), "total_tax": Decimal("22.50")},
        [("19", "100.00", "19.00"), ("7", "50.00", "3.50"), ("0", "0", "0")],
    )
    [finding] = vat_breakdown(doc)
    assert finding.passed and finding.severity == Severity.INFO


def test_a_rate_line_that_is_off_says_which_and_by_how_much() -> None:
    doc = _invoice({}, [("19", "100.00", "19.00"), ("7", "50.00", "3.60")])
    [finding] = vat_breakdown(doc)
    assert not finding.passed and finding.severity == Severity.WARNING
    assert "7% VAT line" in finding.message and "off by 0.10" in finding.message


def test_vat_lines_that_do_not_add_up_to_the_totals_are_flagged() -> None:
    doc = _invoice(
        {"subtotal": Decimal("160.00"), "total_tax": Decimal("22.50")},
        [("19", "100.00", "19.00"), ("7", "50.00", "3.50")],
    )
    [finding] = vat_breakdown(doc)
    assert finding.rule_id == "invoice.vat_breakdown" and not finding.passed
    assert "add up to 150.00" in finding.message and "subtotal is 160.00" in finding.message


def test_a_rate_the_country_had_on_the_day_passes() -> None:
    doc = _invoice({"vendor_tax_id": "DE136695976", "invoice_date": dt.date(2024, 3, 1)})
    doc.tax_details = [TaxDetail(rate=Decimal("19"), net=Decimal(100), tax=Decimal(19))]
    [finding] = vat_rate_valid(doc)
    assert finding.passed


def test_the_german_rate_cut_of_2020_is_known() -> None:
    doc = _invoice(
        {"vendor_tax_id": "DE136695976", "invoice_date": dt.date(2020, 9, 1)},
        [("16", "100", "16")],
    )
    assert vat_rate_valid(doc)[0].passed
    doc.fields["invoice_date"] = ExtractedField(
        name="invoice_date", value=dt.date(2021, 9, 1), confidence=1
    )
    [finding] = vat_rate_valid(doc)
    assert not finding.passed and finding.severity == Severity.WARNING
    assert "16%" in finding.message and "DE" in finding.message


def test_a_rate_the_country_never_had_is_flagged_and_an_unknown_country_is_not() -> None:
    doc = _invoice(
        {"vendor_tax_id": "GB980780684", "invoice_date": dt.date(2023, 5, 2)},
        [("25", "100", "25")],
    )
    [finding] = vat_rate_valid(doc)
    assert not finding.passed and finding.severity == Severity.WARNING
    doc.fields["vendor_tax_id"] = ExtractedField(
        name="vendor_tax_id", value="SE556000016701", confidence=1
    )
    [finding] = vat_rate_valid(doc)
    assert finding.severity == Severity.INFO and "could not be checked" in finding.message


def test_vat_ids_are_checked_by_their_check_digits() -> None:
    doc = _invoice({"vendor_tax_id": "DE136695976", "customer_tax_id": "DE123456789"})
    seller, buyer = vat_id_valid(doc)
    assert seller.passed
    assert not buyer.passed and buyer.severity == Severity.WARNING
    assert buyer.message == "The buyer's VAT id DE123456789 is not valid: it fails its check digit"
    assert buyer.fields == ["customer_tax_id"]


def test_a_tax_number_without_a_country_prefix_is_not_checked() -> None:
    [finding] = vat_id_valid(_invoice({"vendor_tax_id": "201/113/40209"}))
    assert finding.severity == Severity.INFO and "could not be checked" in finding.message


def test_the_iban_checksum_is_checked() -> None:
    [ok] = iban_valid(_invoice({"vendor_iban": "DE89370400440532013000"}))
    assert ok.passed
    [bad] = iban_valid(_invoice({"vendor_iban": "DE89370400440532013001"}))
    assert not bad.passed and bad.severity == Severity.WARNING
    [other] = iban_valid(_invoice({"vendor_iban": "1234567"}))
    assert other.severity == Severity.INFO


def test_an_invoice_due_before_it_was_issued_is_flagged() -> None:
    doc = _invoice({"invoice_date": dt.date(2025, 12, 1), "due_date": dt.date(2024, 12, 1)})
    [finding] = due_after_issue(doc)
    assert not finding.passed and finding.severity == Severity.WARNING
    doc = _invoice({"invoice_date": dt.date(2025, 12, 1), "due_date": dt.date(2025, 12, 31)})
    assert due_after_issue(doc)[0].passed


def test_other_document_types_are_left_alone() -> None:
    doc = _invoice({"invoice_date": dt.date(2025, 12, 1), "due_date": dt.date(2024, 12, 1)})
    doc.doc_type = DocType.RECEIPT
    assert due_after_issue(doc) == [] and vat_id_valid(doc) == []
