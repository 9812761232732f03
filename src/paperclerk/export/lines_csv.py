"""An invoice `Document` as CSV, one row per invoice line with the header fields repeated.

RFC 4180 (the csv module, CRLF line ends). Descriptions and party names come from outside
(suppliers, OCR), so a cell a spreadsheet would run as a formula (starting with `=`, `+`,
`-`, `@`, a tab or a carriage return) is prefixed with `'` (`guard_formula`, which the
loyalty claims export uses too).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from paperclerk.export.values import as_text, cell_decimal, cell_text, date, line_amount, text
from paperclerk.model import Document

CSV_COLUMNS: tuple[str, ...] = (
    "document_id",
    "invoice_number",
    "invoice_date",
    "supplier_name",
    "supplier_vat_id",
    "currency",
    "line_number",
    "description",
    "quantity",
    "unit_price",
    "line_amount",
    "vat_rate",
)
"""The header row of the per-line export."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes for the start of a formula (OWASP's CSV injection list)."""


def guard_formula(text: str) -> str:
    """Return text with `'` in front when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def spreadsheet_safe(value: object) -> str:
    """Return one CSV cell; text a spreadsheet would run as a formula is quoted with `'`.

    Numbers are written plainly (a negative amount stays `-5.00`); only text is guarded.
    """
    if value is None:
        return ""
    if isinstance(value, Decimal | int):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    return guard_formula(as_text(value) or "")


def document_to_csv(doc: Document) -> str:
    """Return the invoice as CSV text: the header, then one row per line item.

    An invoice without line items still gets one row (its header fields, line cells empty)
    so that every exported invoice shows up in the ERP's import.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    issued = date(doc, "invoice_date")
    head = [
        doc.id,
        text(doc, "invoice_number"),
        issued.isoformat() if issued else None,
        text(doc, "vendor_name"),
        text(doc, "vendor_tax_id"),
        text(doc, "currency"),
    ]
    rows: list[list[object]] = [
        [
            index + 1,
            cell_text(line, "description"),
            cell_decimal(line, "quantity"),
            cell_decimal(line, "unit_price"),
            line_amount(line),
            cell_decimal(line, "tax_rate"),
        ]
        for index, line in enumerate(doc.line_items)
    ] or [[None] * 6]
    for row in rows:
        writer.writerow([spreadsheet_safe(v) for v in (*head, *row)])
    return out.getvalue()
