"""UBL 2.1 export: valid under the official EN 16931 rules, and read back to the same values.

`invoice()` is a hand-built invoice Document (as OCR or a reviewer fills it), shared with the
CSV, journal and API export tests. The round trip over ../shared's valid e-invoices skips
without ../shared.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from paperclerk.einvoice.validation import validate_en16931
from paperclerk.export.ubl import CUSTOMIZATION_ID, NS_CBC, document_to_ubl, unit_code
from paperclerk.export.values import raw
from paperclerk.model import DocType, Document
from paperclerk.model.decision import Severity
from paperclerk.model.fields import ExtractedField, FieldValue, LineItem, TaxDetail
from paperclerk.pipeline.run import process_bytes, process_path
from tests.conftest import SHARED, needs_shared


def field(name: str, value: FieldValue) -> ExtractedField:
    return ExtractedField(name=name, value=value, raw_text=str(value), confidence=0.9)


def line(index: int, **cells: FieldValue) -> LineItem:
    return LineItem(index=index, fields={k: field(k, v) for k, v in cells.items()}, confidence=0.9)


def invoice(**overrides: FieldValue) -> Document:
    """A two-rate German invoice whose sums agree (net 150, VAT 23.50, total 173.50)."""
    values: dict[str, FieldValue] = {
        "invoice_number": "RE-2026-0042",
        "invoice_date": dt.date(2026, 3, 1),
        "due_date": dt.date(2026, 3, 31),
        "currency": "EUR",
        "vendor_name": "Muster GmbH",
        "vendor_tax_id": "DE123456789",
        "vendor_address": "Hauptstr. 1, 10115 Berlin, DE",
        "vendor_iban": "DE89370400440532013000",
        "customer_name": "Kunde AG",
        "customer_address": "Ringweg 5, 80331 München, DE",
        "purchase_order": "PO-7",
        "payment_terms": "30 days net",
        "subtotal": Decimal("150.00"),
        "total_tax": Decimal("23.50"),
        "total": Decimal("173.50"),
        "amount_due": Decimal("173.50"),
    }
    values.update(overrides)
    doc = Document(sha256="0" * 64, media_type="application/pdf", size_bytes=1)
    doc.doc_type = DocType.INVOICE
    doc.fields = {k: field(k, v) for k, v in values.items() if v is not None}
    doc.extra = {
        "vendor_postcode": field("vendor_postcode", "10115"),
        "vendor_city": field("vendor_city", "Berlin"),
        "vendor_country": field("vendor_country", "DE"),
        "customer_postcode": field("customer_postcode", "80331"),
        "customer_city": field("customer_city", "München"),
        "customer_country": field("customer_country", "DE"),
    }
    doc.tax_details = [
        TaxDetail(rate=Decimal("19"), net=Decimal("100.00"), tax=Decimal("19.00")),
        TaxDetail(rate=Decimal("9"), net=Decimal("50.00"), tax=Decimal("4.50")),
    ]
    doc.line_items = [
        line(0, description="Beratung", quantity=Decimal("2"), unit="h",
             unit_price=Decimal("50.00"), amount=Decimal("100.00"), tax_rate=Decimal("19")),
        line(1, description="=HYPERLINK(\"x\")", quantity=Decimal("1"),
             unit_price=Decimal("50.00"), amount=Decimal("50.00"), tax_rate=Decimal("9"),
             gl_account="4930"),
    ]  # fmt: skip
    return doc


def errors(xml: bytes) -> list[str]:
    return [f.rule_id for f in validate_en16931(xml) if f.severity == Severity.ERROR]


def test_a_hand_built_invoice_exports_to_valid_ubl() -> None:
    xml = document_to_ubl(invoice())
    assert errors(xml) == []
    root = etree.fromstring(xml)
    assert etree.QName(root).localname == "Invoice"
    assert root.findtext(f"{{{NS_CBC}}}CustomizationID") == CUSTOMIZATION_ID


def test_the_exported_ubl_reads_back_to_the_same_values() -> None:
    doc = invoice()
    back = process_bytes(document_to_ubl(doc), filename="out.xml")
    for name in doc.fields:
        assert back.value(name) == doc.value(name), name
    assert [li.value("amount") for li in back.line_items] == [Decimal("100.00"), Decimal("50.00")]
    assert back.line_items[0].value("unit") == "HUR"
    same = [(t.rate, t.net, t.tax) for t in back.tax_details]
    assert same == [(t.rate, t.net, t.tax) for t in doc.tax_details]
    assert {t.category for t in back.tax_details} == {"S"}  # derived from the rates


def test_a_credit_note_is_written_as_a_ubl_credit_note() -> None:
    xml = document_to_ubl(invoice(invoice_type_code="381"))
    assert etree.QName(etree.fromstring(xml)).localname == "CreditNote"
    assert errors(xml) == []
    assert process_bytes(xml, filename="cn.xml").value("invoice_type_code") == "381"


def test_document_allowances_become_an_allowance_so_the_sums_hold() -> None:
    doc = invoice(subtotal=Decimal("140.00"), total_tax=Decimal("21.60"), total=Decimal("161.60"),
                  amount_due=Decimal("161.60"))  # fmt: skip
    doc.tax_details[0] = TaxDetail(rate=Decimal("19"), net=Decimal("90.00"), tax=Decimal("17.10"))
    xml = document_to_ubl(doc)
    assert errors(xml) == []
    assert b'<cbc:AllowanceTotalAmount currencyID="EUR">10.00<' in xml


def test_missing_required_data_still_exports_and_the_findings_name_it() -> None:
    doc = invoice(vendor_tax_id=None, vendor_address=None)
    doc.extra.pop("vendor_country")
    xml = document_to_ubl(doc)
    found = set(errors(xml))
    assert "en16931.BR-S-02" in found  # no seller VAT id for standard-rated lines
    assert "en16931.BR-09" in found  # no seller country


def test_the_country_comes_from_the_vat_id_when_none_was_read() -> None:
    doc = invoice()
    doc.extra.pop("vendor_country")
    assert errors(document_to_ubl(doc)) == []


def test_reverse_charge_and_exempt_lines_keep_their_categories() -> None:
    doc = invoice(customer_tax_id="ATU13585627", total_tax=Decimal("0.00"),
                  total=Decimal("150.00"), amount_due=Decimal("150.00"))  # fmt: skip
    doc.tax_details = [
        TaxDetail(rate=Decimal("0"), net=Decimal("100.00"), tax=Decimal("0.00"), category="AE"),
        TaxDetail(rate=Decimal("0"), net=Decimal("50.00"), tax=Decimal("0.00"), category="E",
                  exemption_reason="Steuerfrei nach § 4 Nr. 14 UStG"),
    ]  # fmt: skip
    doc.line_items[0].fields["tax_rate"] = field("tax_rate", Decimal("0"))
    doc.line_items[0].fields["tax_category"] = field("tax_category", "AE")
    doc.line_items[1].fields["tax_rate"] = field("tax_rate", Decimal("0"))
    doc.line_items[1].fields["tax_category"] = field("tax_category", "E")
    xml = document_to_ubl(doc)
    assert not errors(xml), errors(xml)
    back = process_bytes(xml, filename="out.xml")
    got = {(t.category, t.exemption_reason, t.net) for t in back.tax_details}
    assert got == {("AE", "Reverse charge", Decimal("100.00")),  # a default reason (BR-AE-10)
                   ("E", "Steuerfrei nach § 4 Nr. 14 UStG", Decimal("50.00"))}  # fmt: skip
    assert [li.value("tax_category") for li in back.line_items] == ["AE", "E"]


def test_unit_words_map_to_rec20_codes() -> None:
    assert [unit_code(u) for u in ("Stk.", "kg", "XPP", None, "??")] == [
        "H87", "KGM", "XPP", "C62", "C62",
    ]  # fmt: skip


def _valid_einvoices() -> list[Path]:
    out: list[Path] = []
    for syntax in ("ubl", "cii"):
        folder = SHARED / "einvoices" / syntax
        if not (folder / "manifest.csv").exists():
            continue
        with (folder / "manifest.csv").open(newline="") as f:
            out += [folder / f"{r['id']}.xml" for r in csv.DictReader(f)
                    if r["en16931_xslt"] == "valid"]  # fmt: skip
    return out


PARTY_IDS = tuple(
    f"{party}_{name}{scheme}"
    for party in ("vendor", "customer")
    for name in ("id", "legal_id")
    for scheme in ("", "_scheme")
)
"""Seller and buyer identifiers (BT-29, BT-30, BT-46, BT-47) and their schemes."""
HEADER = (
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "vendor_name",
    "vendor_tax_id",
    "vendor_address",
    "vendor_iban",
    "customer_name",
    "customer_tax_id",
    "customer_address",
    "purchase_order",
    "payment_terms",
    "subtotal",
    "total",
    "amount_due",
)


@pytest.mark.shared
@needs_shared("einvoices")
def test_every_valid_shared_einvoice_round_trips_through_ubl() -> None:
    files = _valid_einvoices()
    assert len(files) > 50
    same = 0
    for path in files:
        doc = process_path(path)
        xml = document_to_ubl(doc)
        found = errors(xml)
        assert not found, (path.name, found)
        back = process_bytes(xml, filename="out.xml")
        for name in HEADER:
            assert back.value(name) == doc.value(name), (path.name, name)
        for name in PARTY_IDS:
            assert raw(back, name) == raw(doc, name), (path.name, name)
        assert back.value("total_tax") == (doc.value("total_tax") or Decimal("0.00")), path.name
        # VAT categories (BT-118) and exemption reasons survive: reverse charge stays AE
        kept = sorted((t.category or "", t.exemption_reason or "") for t in doc.tax_details)
        got = sorted((t.category or "", t.exemption_reason or "") for t in back.tax_details)
        assert [c for c, _ in got] == [c for c, _ in kept] or not all(c for c, _ in kept)
        assert all(r in {b for _, b in got} for _, r in kept if r), path.name
        for name in ("delivery_date", "period_start", "period_end", "delivery_country"):
            assert raw(back, name) == raw(doc, name), (path.name, name)
        assert len(back.line_items) == len(doc.line_items), path.name
        for a, b in zip(doc.line_items, back.line_items, strict=True):
            for cell in ("description", "quantity", "amount", "unit_price", "tax_rate"):
                assert a.value(cell) == b.value(cell), (path.name, cell)
        same += 1
    assert same == len(files), (same, len(files))
