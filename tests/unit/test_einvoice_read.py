"""E-invoices read exactly from their XML: UBL, CII, ZUGFeRD 1.0 and Factur-X PDFs.

The shared corpus (`../shared/data/einvoices`, skipped when absent) is read file by file
and compared with each `<id>.gt.json`; unsafe and foreign XML is refused with typed
errors; a hand-written UBL invoice runs through ingest and the pipeline with no OCR.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from paperclerk.cli import app
from paperclerk.einvoice.detect import read_e_invoice
from paperclerk.einvoice.document import document_from_xml, parse_xml_date
from paperclerk.einvoice.safe_xml import parse_xml
from paperclerk.errors import CorruptInputError, UnsafeXmlError, UnsupportedMediaTypeError
from paperclerk.evaluation.invoices import e_invoice_field_matches, iter_e_invoice_samples
from paperclerk.ingest import check_bytes, load_bytes, sniff_media_type
from paperclerk.model import DocType, Document
from paperclerk.model.fields import FieldSource
from paperclerk.pipeline.run import process_bytes
from tests.conftest import SHARED, needs_shared

EINVOICES = SHARED / "einvoices"

SYNTHETIC_UBL = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>INV-42</cbc:ID>
  <cbc:IssueDate>2026-03-01</cbc:IssueDate>
  <cbc:DueDate>2026-03-31</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:OrderReference><cbc:ID>PO-7</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PostalAddress><cbc:StreetName>Main Street 1</cbc:StreetName>
      <cbc:CityName>Berlin</cbc:CityName><cbc:PostalZone>10115</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>DE123456789</cbc:CompanyID>
      <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Seller GmbH</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyLegalEntity><cbc:RegistrationName>Buyer AG</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>
    <cac:PayeeFinancialAccount><cbc:ID>DE02 1203 0000 0000 2020 51</cbc:ID>
    </cac:PayeeFinancialAccount></cac:PaymentMeans>
  <cac:PaymentTerms><cbc:Note>30 days net</cbc:Note></cac:PaymentTerms>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">100.00</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">119.00</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">119.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">4</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Widget</cbc:Name>
      <cac:SellersItemIdentification><cbc:ID>W-1</cbc:ID></cac:SellersItemIdentification>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">25.00</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>&xxe;</cbc:ID>
</Invoice>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol4;</lolz>
"""

NOT_AN_INVOICE = b"""<?xml version="1.0"?><catalog xmlns="urn:example:books"><book/></catalog>"""


def _doc(xml: bytes) -> Document:
    return document_from_xml(xml, sha256="0", media_type="application/xml", size_bytes=len(xml))


def test_synthetic_ubl_maps_every_invoice_field() -> None:
    doc = _doc(SYNTHETIC_UBL)
    assert doc.doc_type == DocType.INVOICE
    assert doc.value("invoice_number") == "INV-42"
    assert doc.value("invoice_date") == dt.date(2026, 3, 1)
    assert doc.value("due_date") == dt.date(2026, 3, 31)
    assert doc.value("invoice_type_code") == "380"
    assert doc.value("currency") == "EUR"
    assert doc.value("purchase_order") == "PO-7"
    assert doc.value("payment_terms") == "30 days net"
    assert doc.value("vendor_name") == "Seller GmbH"
    assert doc.value("vendor_tax_id") == "DE123456789"
    assert doc.value("vendor_address") == "Main Street 1, 10115 Berlin, DE"
    assert doc.value("vendor_iban") == "DE02120300000000202051"
    assert doc.value("customer_name") == "Buyer AG"
    assert doc.value("subtotal") == Decimal("100.00")
    assert doc.value("total_tax") == Decimal("19.00")
    assert doc.value("total") == Decimal("119.00")
    assert doc.value("amount_due") == Decimal("119.00")
    assert [(t.rate, t.net, t.tax) for t in doc.tax_details] == [
        (Decimal("19"), Decimal("100.00"), Decimal("19.00"))
    ]
    (line,) = doc.line_items
    assert line.value("description") == "Widget"
    assert line.value("quantity") == Decimal("4")
    assert line.value("unit") == "C62"
    assert line.value("unit_price") == Decimal("25.00")
    assert line.value("amount") == Decimal("100.00")
    assert line.value("tax_rate") == Decimal("19")
    assert line.value("product_code") == "W-1"
    for f in doc.fields.values():
        assert f.source == FieldSource.E_INVOICE and f.confidence == 1.0
        assert f.provenance is None
    assert doc.fields["vendor_iban"].raw_text == "DE02 1203 0000 0000 2020 51"


@pytest.mark.parametrize("data", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_are_refused_everywhere(data: bytes) -> None:
    with pytest.raises(UnsafeXmlError) as info:
        read_e_invoice(data)
    assert info.value.code == "unsafe_xml"
    with pytest.raises(UnsafeXmlError):
        sniff_media_type(data)
    with pytest.raises(UnsafeXmlError):
        check_bytes(data)
    with pytest.raises(UnsafeXmlError):
        process_bytes(data)


def test_foreign_xml_and_non_xml_are_refused_clearly() -> None:
    with pytest.raises(UnsupportedMediaTypeError, match="not an e-invoice"):
        read_e_invoice(NOT_AN_INVOICE)
    with pytest.raises(UnsupportedMediaTypeError, match="not a UBL or CII e-invoice"):
        load_bytes(NOT_AN_INVOICE)
    with pytest.raises(CorruptInputError):
        read_e_invoice(b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'>")
    with pytest.raises(UnsafeXmlError, match="at most 100 bytes"):
        parse_xml(SYNTHETIC_UBL, max_bytes=100)


def test_pipeline_reads_an_xml_upload_without_ocr() -> None:
    assert sniff_media_type(SYNTHETIC_UBL) == "application/xml"
    assert check_bytes(SYNTHETIC_UBL).pages == 0
    doc = process_bytes(SYNTHETIC_UBL, filename="inv.xml")
    assert doc.pages == [] and "ocr" not in doc.model_versions
    assert doc.doc_type == DocType.INVOICE
    assert doc.fields["total"].source == FieldSource.E_INVOICE
    assert doc.decision is not None


def test_cli_process_on_an_xml_file(tmp_path: Path) -> None:
    src = tmp_path / "inv.xml"
    src.write_bytes(SYNTHETIC_UBL)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["process", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (written,) = list(out.glob("*.json"))
    body = json.loads(written.read_text())
    assert body["doc_type"] == "invoice"
    assert body["fields"]["invoice_number"]["source"] == "e-invoice"


def test_dates_and_matching_follow_the_xml_formats() -> None:
    assert parse_xml_date("20260131") == dt.date(2026, 1, 31)
    assert parse_xml_date("2026-01-31") == dt.date(2026, 1, 31)
    assert e_invoice_field_matches("issue_date", "20260131", dt.date(2026, 1, 31))
    assert e_invoice_field_matches("grand_total", 104.9, Decimal("104.90"))
    assert e_invoice_field_matches("seller_name", "LE  Fournisseur", "le fournisseur")
    assert not e_invoice_field_matches("grand_total", 963.11, Decimal("963.12"))


def _disagreements(doc: Document, gt: dict[str, Any]) -> list[str]:
    seller, buyer, totals = gt["seller"], gt["buyer"], gt["totals"]
    pairs = {
        "issue_date": (gt["issue_date"], doc.value("invoice_date")),
        "due_date": (gt["due_date"], doc.value("due_date")),
        "invoice_number": (gt["invoice_number"], doc.value("invoice_number")),
        "currency": (gt["currency"], doc.value("currency")),
        "seller_name": (seller["name"], doc.value("vendor_name")),
        "seller_vat_id": (seller["vat_id"], doc.value("vendor_tax_id")),
        "buyer_name": (buyer["name"], doc.value("customer_name")),
        "buyer_vat_id": (buyer["vat_id"], doc.value("customer_tax_id")),
        "payee_iban": (gt["payee_iban"], doc.value("vendor_iban")),
        "tax_basis_total": (totals["tax_basis_total"], doc.value("subtotal")),
        "tax_total": (totals["tax_total"], doc.value("total_tax")),
        "grand_total": (totals["grand_total"], doc.value("total")),
        "amount_due": (totals["due_payable"], doc.value("amount_due")),
        "type_code": (gt["type_code"], doc.value("invoice_type_code")),
        "order_reference": (gt["order_reference"], doc.value("purchase_order")),
    }
    bad = [
        k for k, (e, p) in pairs.items() if e is not None and not e_invoice_field_matches(k, e, p)
    ]
    if len(gt["lines"]) != len(doc.line_items):
        bad.append("lines")
    else:
        for i, (g, item) in enumerate(zip(gt["lines"], doc.line_items, strict=True)):
            for key, col in (("line_total", "amount"), ("net_price", "unit_price"),
                             ("quantity", "quantity"), ("vat_rate", "tax_rate")):  # fmt: skip
                e, p = g[key], item.value(col)
                if e is not None and (p is None or Decimal(str(e)) != Decimal(p)):
                    bad.append(f"line{i}.{col}")
            if g["name"] and g["name"].split() != str(item.value("description")).split():
                bad.append(f"line{i}.description")
    if len(gt["vat_breakdown"]) != len(doc.tax_details):
        bad.append("vat_breakdown")
    return bad


@needs_shared("einvoices")
@pytest.mark.shared
@pytest.mark.parametrize("folder", ["ubl", "cii", "facturx_pdf"])
def test_shared_xml_matches_ground_truth(folder: str) -> None:
    failures: dict[str, list[str]] = {}
    gts = sorted((EINVOICES / folder).glob("*.gt.json"))
    assert gts
    for gt_path in gts:
        xml = gt_path.with_name(gt_path.name[: -len(".gt.json")] + ".xml")
        gt = json.loads(gt_path.read_text(encoding="utf-8"))
        bad = _disagreements(_doc(xml.read_bytes()), gt)
        if bad:
            failures[gt_path.name] = bad
    assert not failures, f"fields disagreeing with .gt.json: {failures}"


@needs_shared("einvoices")
@pytest.mark.shared
def test_factur_x_pdf_takes_fields_from_the_embedded_xml() -> None:
    pdfs = sorted((EINVOICES / "facturx_pdf").glob("*.pdf"))
    assert pdfs
    ingested = load_bytes(pdfs[0].read_bytes())
    assert ingested.e_invoice_xml is not None and ingested.pages
    expected = _doc(pdfs[0].with_suffix(".xml").read_bytes())
    doc = process_bytes(pdfs[0].read_bytes(), filename=pdfs[0].name)
    assert len(doc.pages) == len(ingested.pages) and doc.media_type == "application/pdf"
    assert doc.fields["total"].source == FieldSource.E_INVOICE
    assert {k: f.value for k, f in doc.fields.items()} == {
        k: f.value for k, f in expected.fields.items()
    }
    # its picture was compared with its XML: the born-digital PDF prints what the XML says
    assert not [f for f in doc.findings if f.rule_id.startswith("einvoice.visible")]


@needs_shared("einvoices")
@pytest.mark.shared
def test_eval_finds_every_shared_sample_recursively() -> None:
    samples = iter_e_invoice_samples(EINVOICES)
    assert len(samples) == 150
    assert sum(s.path.suffix == ".pdf" for s in samples) == 40


def test_eval_leaves_out_the_line_count_of_lineless_profiles(tmp_path: Path) -> None:
    base = {"invoice_number": "1", "lines": []}
    for name, guideline in (
        ("wl", "urn:factur-x.eu:1p0:basicwl"),
        ("min", "urn:factur-x.eu:1p0:minimum"),
        ("full", "urn:cen.eu:en16931:2017"),
    ):
        (tmp_path / f"{name}.gt.json").write_text(json.dumps({**base, "guideline_id": guideline}))
        (tmp_path / f"{name}.xml").write_bytes(b"<x/>")
    counts = {s.id: s.expected["lines"] for s in iter_e_invoice_samples(tmp_path)}
    assert counts == {"full": 0, "min": None, "wl": None}
