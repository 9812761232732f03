"""Line items of a receipt: rows between the header and the totals that end in an amount.

An item may take several rows: its description on one or more rows and its code, quantity ×
unit price and amount on the next ("KILAT AUTO WASH 1L" / "9555916500133 1 X 3.11 3.11"),
or its barcode alone above the description, or its amounts first with the description on
the row below (tills that print "SR 2 6.10 12.20" / "07 CREAM OF MUSHROOM SOUP"). Each is
merged into one item, with the barcode as its `product_code`.

The tax summary that Malaysian and Singaporean receipts print below or among the totals
("GST SUMMARY", "SR @ 6% 33.02 1.98", "ZR/OS/EZ 0.00") is never an item: a row whose text
is only tax codes and rates is skipped, and a summary heading ends the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from paperclerk.extract.layout import Row, candidate_from_lines
from paperclerk.extract.receipt_amounts import TAX, TOTAL_WEAK
from paperclerk.model import ExtractedField, FieldSource, LineItem, Provenance, union_all
from paperclerk.parsers import AmountMatch, find_amounts, find_dates

QTY_TIMES = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*[xX@*]\s*(?:RM|\$|€|£)?\s*(\d+[.,]\d{2})")
PRODUCT_CODE = re.compile(r"\b(\d{8}|\d{12,14})\b")
NOT_ITEM = re.compile(
    r"\b(CHANGE|CASH|TENDER|ROUND|DISCOUNT|GST|TAX|VISA|MASTER|CARD|PAYMENT|BALANCE|"
    r"QTY\s*$|DESCRIPTION|AMOUNT\s*$|PRICE\s*$|TEL|FAX|DATE|TIME|INVOICE|RECEIPT|CASHIER)",
    re.IGNORECASE,
)
# GST/SST tax codes of Malaysian and Singaporean tills: standard, zero-rated, exempt, out of
# scope, and their variants.
TAX_CODE = r"(?:SR|ZR|ZRL|ZRE|ES|ES43|OS|EZ|DS|RS|GS|IES|TX|NR)"
# The heading of a tax summary table, which ends the item table.
SUMMARY_HEADING = re.compile(r"\b(GST|SST|TAX|VAT)\s*(SUMM\w*|ANALYSIS|DETAILS)\b", re.IGNORECASE)
# A description that is nothing but tax codes and rates: "SR @ 6%", "SR= 6%", "ZR/OS/EZ".
TAX_SUMMARY_TEXT = re.compile(
    rf"^\W*{TAX_CODE}(?:\s*/\s*{TAX_CODE})*\s*[@=:]?\s*(?:\d{{1,2}}(?:\.\d+)?\s*%)?\W*$",
    re.IGNORECASE,
)
# A bare tax code, perhaps with the quantity after it: "SR", "SR 2", "SR:".
TAX_CODE_PREFIX = re.compile(rf"\W*{TAX_CODE}\b\W*", re.IGNORECASE)
TAX_CODE_ONLY = re.compile(rf"\W*{TAX_CODE}\b\W*(\d{{1,3}}\W*)?", re.IGNORECASE)
RATE = re.compile(r"\d{1,2}(?:\.\d+)?\s*%|@|/")
# "ITEM(S) : 5", "QTY(S): 5", "NO. OF ITEMS 3": counts below the items, not a column header.
ITEM_COUNT = re.compile(
    r"\b(ITEMS?\s*\(\s*S\s*\)|QTY\s*\(\s*S\s*\)|NO\.?\s*OF\s*ITEMS?|ITEM\s*COUNT)\s*:?\s*\d",
    re.IGNORECASE,
)
MAX_DESC_ROWS = 3  # description rows above an amount row that may belong to its item


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


def is_tax_summary(text: str) -> bool:
    """Whether a row's text (before its amounts) is a tax-summary row rather than an item.

    A row of only tax codes with a rate ("SR @ 6%", "SR 6%") or a list of codes
    ("ZR/OS/EZ"), or a tax-summary heading. A bare code ("SR") is not: tills print it
    beside an item whose description is on another row.
    """
    if SUMMARY_HEADING.search(text):
        return True
    return bool(TAX_SUMMARY_TEXT.match(text)) and bool(RATE.search(text))


def _letters(text: str) -> int:
    return len(re.sub(r"[^A-Za-z]", "", text))


def _is_code_row(text: str) -> bool:
    """Whether a row holds only a barcode or till code (no words, no amounts)."""
    stripped = PRODUCT_CODE.sub("", text)
    return bool(PRODUCT_CODE.search(text)) and _letters(stripped) == 0


def _amounts(text: str) -> list[AmountMatch]:
    """Return the amounts of a row, less numbers that are part of a size ("35.5X25.5CM")."""
    return [
        a
        for a in find_amounts(text)
        if not re.match(r"[A-Za-z]", text[a.start + len(a.raw) : a.start + len(a.raw) + 1])
    ]


def _items_end(rows: list[Row], start: int) -> int:
    """Return the index of the row that ends the item table (a total, tax summary, count)."""
    for i in range(start, len(rows)):
        text = rows[i].text
        if (
            (TOTAL_WEAK.search(text) and find_amounts(text))
            or SUMMARY_HEADING.search(text)
            or ITEM_COUNT.search(text)
        ):
            return i
    return len(rows)


def _table_start(rows: list[Row], header_end: int) -> int:
    """Return the first row of the item table.

    `header_end` follows the row the receipt extractor took for the column header. When
    that row is really part of the totals block (an item count, the tax summary's
    "AMOUNT(RM) TAX(RM)": anything below the first total), the table starts after the
    shop's header block instead: after the last keyword row (invoice, cashier, date...)
    above the first total.
    """
    if header_end <= 0 or header_end > len(rows):
        return header_end
    header = rows[header_end - 1].text
    end = _items_end(rows, 0)
    if header_end - 1 <= end and not ITEM_COUNT.search(header):
        return header_end
    start = 0
    for i in range(end):
        if find_dates(rows[i].text) or (
            NOT_ITEM.search(rows[i].text) and not QTY_TIMES.search(rows[i].text)
        ):
            start = i + 1
    return start


def extract_items(rows: list[Row], header_end: int) -> list[LineItem]:
    """Read item rows: description left, total price right, quantity × unit price when printed.

    Tax-summary rows are skipped; multi-row items are merged (see the module docstring).
    """
    table_start = _table_start(rows, header_end)
    return _ItemReader(rows, table_start, _items_end(rows, table_start)).read()


@dataclass
class _ItemReader:
    """Walks the rows of one item table, carrying the rows that may belong to the next item."""

    rows: list[Row]
    start: int
    end: int
    pending_desc: list[Row] = field(default_factory=list)
    pending_code: Row | None = None
    used: set[int] = field(default_factory=set)  # rows taken as a description from below

    def read(self) -> list[LineItem]:
        """Return the items of the table, in order."""
        items: list[LineItem] = []
        for i in range(self.start, self.end):
            if i in self.used:
                continue
            text = self.rows[i].text
            if (
                find_dates(text)
                or (NOT_ITEM.search(text) and not QTY_TIMES.search(text))
                or is_tax_summary(text)
            ):
                self.pending_desc, self.pending_code = [], None
                continue
            amounts = _amounts(text)
            if not amounts and TOTAL_WEAK.search(text):
                self.pending_desc, self.pending_code = [], None  # "TOTAL 2" / "5.00"
                continue
            if not amounts:
                if _is_code_row(text):
                    self.pending_code = self.rows[i]
                elif re.search(r"[A-Za-z]{3,}", text):
                    self.pending_desc = [*self.pending_desc[-(MAX_DESC_ROWS - 1) :], self.rows[i]]
                continue
            item = self._item(i, amounts)
            self.pending_desc, self.pending_code = [], None
            if item is not None:
                items.append(item.model_copy(update={"index": len(items)}))
            elif PRODUCT_CODE.search(text):
                self.pending_code = self.rows[i]  # "9555067700208 10 10.57" / "105.66" / "- PEN"
        return items

    def _description_below(self, i: int) -> Row | None:
        """Return the row under an amount row when it is that item's description."""
        if i + 1 >= self.end:
            return None
        below = self.rows[i + 1].text
        if _amounts(below) or not re.search(r"[A-Za-z]{3,}", below):
            return None
        if NOT_ITEM.search(below) or TOTAL_WEAK.search(below) or is_tax_summary(below):
            return None
        return self.rows[i + 1]

    def _item(self, i: int, amounts: list[AmountMatch]) -> LineItem | None:
        """Build one item from its amount row and the rows around it that belong to it."""
        row = self.rows[i]
        text = row.text
        desc = text[: amounts[0].start].strip(" :-")
        if is_tax_summary(desc):
            return None
        code_only = TAX_CODE_PREFIX.match(desc)
        if code_only and TAX_CODE_ONLY.fullmatch(desc):
            desc = desc[code_only.end() :]  # "SR 2": the tax code and quantity of an item
        last = amounts[-1]
        qty: Decimal | None = None
        unit: Decimal | None = None
        m = QTY_TIMES.search(text)
        if m:
            qty, unit = Decimal(m.group(1)), Decimal(m.group(2).replace(",", "."))
            desc = text[: m.start()].strip(" :-")
        elif len(amounts) >= 2:
            unit = amounts[-2].value
        desc = re.sub(r"^\d{1,3}\s+(?=[A-Za-z])", "", desc) if qty is None else desc
        trailing = re.search(r"(?:^|\s)(\d{1,3})$", desc)
        if trailing and qty is None:
            qty = Decimal(trailing.group(1))
            desc = desc[: trailing.start()].strip()
            if unit is None and qty:
                unit = last.value / qty
        desc_rows = [row]
        below = self._description_below(i) if _letters(desc) < 3 else None
        if _letters(desc) < 3 and self.pending_desc:
            desc = " ".join(r.text for r in self.pending_desc) + (" " + desc if desc else "")
            desc_rows = [*self.pending_desc, row]
        elif below is not None:
            desc = f"{desc} {below.text}".strip()
            desc_rows = [row, below]
            self.used.add(i + 1)
        if self.pending_code is not None:
            desc_rows = [self.pending_code, *desc_rows]
        code = PRODUCT_CODE.search(" ".join(r.text for r in desc_rows))
        if code:
            desc = " ".join(PRODUCT_CODE.sub(" ", desc).split())
        if _letters(desc) < 2 or TAX.search(desc):
            return None
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
        if code:
            fields["product_code"] = _cell("product_code", code.group(1), code.group(1), row, 0.6)
        return LineItem(
            index=0,
            fields=fields,
            provenance=Provenance(
                page=row.page,
                box=union_all([ln.box for r in desc_rows for ln in r.lines]),
                word_ids=[w for r in desc_rows for ln in r.lines for w in ln.word_ids],
            ),
            confidence=0.6,
        )
