"""Build a paperclerk invoice `Document` from an e-invoice's XML: exact values, no OCR.

Every field carries source `e-invoice`, confidence 1.0 and the XML's text as `raw_text`;
there is no provenance box (the values come from the XML, not from a place on a page).
Field names are the invoice schema's (`review.schema` FORM_FIELDS / ITEM_COLUMNS).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from paperclerk.einvoice.detect import read_e_invoice
from paperclerk.einvoice.terms import EInvoiceData, InvoiceLineTerms
from paperclerk.model import DocType, Document
from paperclerk.model.fields import (
    VAT_CATEGORIES,
    ExtractedField,
    FieldSource,
    FieldValue,
    LineItem,
    TaxDetail,
)

EXTRACTOR_VERSION = "e-invoice-xml-1"
"""The `model_versions["extract"]` of a document read from its XML."""

MONEY_FIELDS = frozenset(
    {"subtotal", "total_tax", "total", "amount_due", "line_total", "prepaid_amount"}
)
DATE_FIELDS = frozenset({"invoice_date", "due_date", "delivery_date", "period_start", "period_end"})
HEADER_FIELDS: tuple[str, ...] = (
    "invoice_number",
    "invoice_date",
    "invoice_type_code",
    "due_date",
    "currency",
    "purchase_order",
    "payment_terms",
    "vendor_name",
    "vendor_tax_id",
    "vendor_address",
    "vendor_iban",
    "customer_name",
    "customer_tax_id",
    "customer_address",
    "subtotal",
    "total_tax",
    "total",
    "amount_due",
)
"""Header terms kept in `Document.fields`; the others (`buyer_reference`, postcode, city,
country, line total, prepaid amount) go to `Document.extra`."""

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_CII_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_xml_date(text: str) -> dt.date | None:
    """Return the calendar day of an e-invoice date: CII format 102 (YYYYMMDD) or ISO."""
    text = text.strip()
    m = _ISO_DATE.match(text) or _CII_DATE.match(text)
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_xml_decimal(text: str | None) -> Decimal | None:
    """Return an XML decimal (`1234.50`, `-3`) as a Decimal, or None when it is not one."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def typed_value(name: str, text: str) -> FieldValue:
    """Type one header term by its field name: money/decimals, dates, text otherwise."""
    if name in MONEY_FIELDS:
        return parse_xml_decimal(text)
    if name in DATE_FIELDS:
        return parse_xml_date(text)
    if name == "currency":
        return text.upper()
    if name == "vendor_iban":
        return re.sub(r"\s", "", text).upper()
    return text


def _field(name: str, value: FieldValue, raw: str) -> ExtractedField:
    return ExtractedField(
        name=name, value=value, raw_text=raw, confidence=1.0, source=FieldSource.E_INVOICE
    )


def line_item(index: int, line: InvoiceLineTerms) -> LineItem:
    """Build one invoice line item (BG-25) with the invoice table's column names."""
    cells: dict[str, ExtractedField] = {}
    description = line.name or line.description
    if description:
        cells["description"] = _field("description", description, description)
    for name, raw in (
        ("quantity", line.quantity),
        ("unit_price", line.net_price),
        ("amount", line.line_total),
        ("tax_rate", line.vat_rate),
    ):
        value = parse_xml_decimal(raw)
        if raw and value is not None:
            cells[name] = _field(name, value, raw)
    if line.unit:
        cells["unit"] = _field("unit", line.unit, line.unit)
    category = _category(line.vat_category)
    if category:
        cells["tax_category"] = _field("tax_category", category, line.vat_category or category)
    if line.product_code:
        cells["product_code"] = _field("product_code", line.product_code, line.product_code)
    if line.line_id:
        cells["line_id"] = _field("line_id", line.line_id, line.line_id)
    return LineItem(index=index, fields=cells, confidence=1.0)


def _category(code: str | None) -> str | None:
    """Return a known EN 16931 VAT category code (BT-118), None for anything else."""
    cleaned = (code or "").strip().upper()
    return cleaned if cleaned in VAT_CATEGORIES else None


def fill_document(doc: Document, data: EInvoiceData) -> Document:
    """Set an invoice document's type, fields, tax details and line items from `data`.

    Pages (a Factur-X PDF's, rendered as usual) are left as they are.
    """
    doc.doc_type, doc.doc_type_confidence = DocType.INVOICE, 1.0
    doc.fields, doc.extra = {}, {}
    for name, raw in data.header.items():
        value = typed_value(name, raw)
        if value is None:
            continue
        target = doc.fields if name in HEADER_FIELDS else doc.extra
        target[name] = _field(name, value, raw)
    doc.extra["e_invoice_syntax"] = _field("e_invoice_syntax", data.syntax.value, data.syntax.value)
    doc.tax_details = [
        TaxDetail(
            rate=parse_xml_decimal(v.rate),
            net=parse_xml_decimal(v.basis),
            tax=parse_xml_decimal(v.amount),
            category=_category(v.category),
            exemption_reason=(v.exemption_reason or "").strip()[:1000] or None,
            exemption_code=(v.exemption_code or "").strip()[:64] or None,
        )
        for v in data.vat_breakdown
    ]
    doc.line_items = [line_item(i, line) for i, line in enumerate(data.lines)]
    doc.model_versions["extract"] = EXTRACTOR_VERSION
    return doc


def document_from_xml(
    xml: bytes, *, sha256: str, media_type: str, size_bytes: int, filename: str | None = None
) -> Document:
    """Read e-invoice XML bytes into a new invoice Document (no pages); typed InputErrors."""
    data = read_e_invoice(xml)
    doc = Document(sha256=sha256, media_type=media_type, size_bytes=size_bytes, filename=filename)
    return fill_document(doc, data)
