"""Line items of a receipt: rows between the header and the totals that end in an amount."""

from __future__ import annotations

import re
from decimal import Decimal

from paperclerk.extract.layout import Row, candidate_from_lines
from paperclerk.extract.receipt_amounts import TAX, TOTAL_WEAK
from paperclerk.model import ExtractedField, FieldSource, LineItem, Provenance, union_all
from paperclerk.parsers import find_amounts, find_dates

QTY_TIMES = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*[xX@*]\s*(?:RM|\$|€|£)?\s*(\d+[.,]\d{2})")
PRODUCT_CODE = re.compile(r"\b(\d{8}|\d{12,14})\b")
NOT_ITEM = re.compile(
    r"(CHANGE|CASH|TENDER|ROUND|DISCOUNT|GST|TAX|VISA|MASTER|CARD|PAYMENT|BALANCE|"
    r"QTY\s*$|DESCRIPTION|AMOUNT\s*$|PRICE\s*$|TEL|FAX|DATE|TIME|INVOICE|RECEIPT|CASHIER)",
    re.IGNORECASE,
)


def _cell(
    name: str, value: Decimal | str | None, raw: str, row: Row, conf: float
) -> ExtractedField:
    cand = candidate_from_lines(value, row.lines, row.page, conf, raw)
    return ExtractedField(
        name=name,
        value=value,
        raw_text=raw,
        confidence=conf,
        provenance=cand.provenance(),
        source=FieldSource.RULE,
    )


def extract_items(rows: list[Row], header_end: int) -> list[LineItem]:
    """Read item rows: description left, total price right, quantity × unit price when printed."""
    end = len(rows)
    for i in range(header_end, len(rows)):
        if TOTAL_WEAK.search(rows[i].text) and find_amounts(rows[i].text):
            end = i
            break
    items: list[LineItem] = []
    pending_desc: list[Row] = []
    for row in rows[header_end:end]:
        text = row.text
        if find_dates(text) or (NOT_ITEM.search(text) and not QTY_TIMES.search(text)):
            pending_desc = []
            continue
        amounts = find_amounts(text)
        if not amounts:
            if re.search(r"[A-Za-z]{3,}", text):
                pending_desc = [*pending_desc[-1:], row]
            continue
        last = amounts[-1]
        desc = text[: amounts[0].start].strip(" :-")
        qty: Decimal | None = None
        unit: Decimal | None = None
        m = QTY_TIMES.search(text)
        if m:
            qty, unit = Decimal(m.group(1)), Decimal(m.group(2).replace(",", "."))
            desc = text[: m.start()].strip(" :-") or desc
        elif len(amounts) >= 2:
            unit = amounts[-2].value
        desc = re.sub(r"^\d{1,3}\s+(?=[A-Za-z])", "", desc) if qty is None else desc
        trailing = re.search(r"\s(\d{1,3})$", desc)
        if trailing and qty is None:
            qty = Decimal(trailing.group(1))
            desc = desc[: trailing.start()].strip()
            if unit is None and qty:
                unit = last.value / qty
        desc_rows = [row]
        if len(re.sub(r"[^A-Za-z]", "", desc)) < 3 and pending_desc:
            desc = " ".join(r.text for r in pending_desc) + (" " + desc if desc else "")
            desc_rows = [*pending_desc, row]
        pending_desc = []
        if len(re.sub(r"[^A-Za-z]", "", desc)) < 2 or TAX.search(desc):
            continue
        if qty is None and unit is not None and unit != 0 and last.value % unit == 0:
            qty = last.value / unit
        fields = {
            "description": _cell("description", desc, desc, row, 0.6),
            "total_price": _cell("total_price", last.value, last.raw, row, 0.7),
        }
        if qty is not None:
            fields["quantity"] = _cell("quantity", qty, str(qty), row, 0.6)
        if unit is not None:
            fields["unit_price"] = _cell("unit_price", unit, str(unit), row, 0.6)
        code = PRODUCT_CODE.search(" ".join(r.text for r in desc_rows))
        if code:
            fields["product_code"] = _cell("product_code", code.group(1), code.group(1), row, 0.6)
        box = union_all([ln.box for r in desc_rows for ln in r.lines])
        items.append(
            LineItem(
                index=len(items),
                fields=fields,
                provenance=Provenance(
                    page=row.page,
                    box=box,
                    word_ids=[w for r in desc_rows for ln in r.lines for w in ln.word_ids],
                ),
                confidence=0.6,
            )
        )
    return items
