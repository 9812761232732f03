"""Invoice line items: where an item table starts and ends, and which of its rows are items.

``invoice_tables`` reads the columns of one row; this module walks the rows of every page:

* a table opens at a header row (``Pos  Description  Qty  Price  Amount``) and stays open
  across a page break, so that items continued on the next page without a repeated header
  are read too;
* it closes at a total row (``Total``, ``Gesamtbetrag``), at another table's title row
  (a row of three or more text-only cells, such as a VAT breakdown header) and at a gap
  much taller than any gap between its own rows;
* sum rows (``Subtotal``, ``Positionssumme``) and rows whose only amount is outside the
  amount column (``Gross price: 9.00`` under a description) are not items;
* when the table numbers its items (a ``Pos`` / ``#`` / ``Ligne`` column, or rows that
  start 1, 2, ...) only numbered rows are items: the others are their detail lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from paperclerk.extract.common import DocIndex, norm
from paperclerk.extract.invoice_tables import Column, header_of, is_header, read_item
from paperclerk.extract.invoice_tables import continue_item as _continue
from paperclerk.extract.layout import Row
from paperclerk.model import LineItem, Word
from paperclerk.parsers import find_amounts

_STOP_FIELDS = {"total", "amount_due"}
_SUM_FIELDS = {"subtotal", "total_tax"}
# a row that opens with a sum word is a (sub)total, not an item: "Positionssumme",
# "Zwischensumme", "Summe netto", "Sous-total", "Subtotaal", "Total HT", "Totaal"
_SUM_WORD = re.compile(
    r"^\W*(?:\w*summe|summe\w*|sub\s*-?\s*total\w*|sous\s*-?\s*total|total\w*)\b"
)
_POS_TOKEN = re.compile(r"^\(?(\d{1,6}(?:\.\d{1,2})*)[.)]?$")  # not "1.000", a thousand
GAP_LINES = 6.0
"""A gap taller than this many line heights may end a table."""
GAP_GROWTH = 2.0
NUMBER_REACH = 6.0
"""How many line heights a position number may sit away from its item's amounts."""
"""... when it is also this much taller than every gap seen inside the table so far."""


@dataclass
class _Table:
    """A header's columns and the item rows found under it, possibly over several pages."""

    cols: list[Column]
    candidates: list[tuple[Row, LineItem]] = field(default_factory=list)
    numbers: list[tuple[Row, str, Word]] = field(default_factory=list)
    max_gap: float = 0.0
    last_y1: float | None = None
    in_header: bool = True
    """Whether every row since the header was a title row touching the one above."""


def _row_fields(index: DocIndex, row: Row) -> set[str]:
    """Fields of the labels found on a row."""
    return {
        f for ln in row.lines for h in index.hits_by_line.get(ln.id, []) for f, _ in h.label.fields
    }


def pos_token(index: DocIndex, row: Row) -> tuple[str, Word] | None:
    """Return the position number a row opens with (``1``, ``02``, ``3.1``) and its word."""
    words = [w for ln in row.lines for w in index.line_words(ln)]
    if not words:
        return None
    first = min(words, key=lambda w: w.box.x0)
    m = _POS_TOKEN.match(first.text)
    return (m.group(1), first) if m else None


def _aligned(a: Word, b: Word) -> bool:
    """Whether two words sit in one column: left edges, right edges or centres within a height."""
    tol = max(min(a.box.height, b.box.height), 1.0)
    return (
        abs(a.box.x0 - b.box.x0) <= tol
        or abs(a.box.x1 - b.box.x1) <= tol
        or abs(a.box.cx - b.box.cx) <= tol
    )


def _is_sum_row(index: DocIndex, row: Row) -> bool:
    """Whether a row is a (sub)total: a sum label, or a first cell opening with a sum word."""
    if pos_token(index, row) is not None:
        return False  # "01 Subtotal hardware 1.050,00": a numbered group line is an item
    if _row_fields(index, row) & _SUM_FIELDS:
        return True
    return bool(_SUM_WORD.match(norm(row.lines[0].text)))


def _is_total_row(index: DocIndex, row: Row) -> bool:
    """Whether a row is the invoice total: a total label and an amount, no position number."""
    if not _row_fields(index, row) & _STOP_FIELDS or pos_token(index, row) is not None:
        return False
    return bool(find_amounts(row.text))


def _other_table_title(row: Row) -> bool:
    """Whether a row is the title row of another table: three or more cells, no digit."""
    return len(row.lines) >= 3 and not any(c.isdigit() for c in row.text)


def _closes_on_gap(table: _Table, row: Row) -> bool:
    """Whether the gap above a row is far taller than the table's own row gaps."""
    if table.last_y1 is None:
        return False
    gap = row.box.y0 - table.last_y1
    tall = gap > GAP_LINES * max(row.box.height, 1.0)
    return tall and gap > GAP_GROWTH * table.max_gap


def _numbered(table: _Table) -> list[LineItem] | None:
    """Items of a numbered table (one per position number), else None.

    A table is numbered when its header has a position column, or when its first two
    position numbers increase from 1 (``1``, ``01``, ``10``).  Numbers must be aligned
    with the first one: numbers elsewhere (a discount code, a quantity in another
    column) do not count.  Each number takes the nearest item row not yet taken, within a
    few lines: a number printed in the middle of a tall cell sits lower than the amounts.
    A row without a number is an item too when its quantity times unit price gives its
    amount, or when it fills every numeric cell that two or more numbered rows all fill
    (OCR drops lone digits).
    """
    if not table.numbers or not table.candidates:
        return None
    if not any(c.name == "position" for c in table.cols):
        if len(table.numbers) < 2:
            return None
        a, b = (int(n[1].split(".")[0]) for n in table.numbers[:2])
        if a not in (1, 10, 100) or b <= a:
            return None
    numbers = [n for n in table.numbers if _in_position_column(n[2], table.cols)]
    if not numbers:
        return None
    first = numbers[0][2]
    height = max(first.box.height, 1.0)
    taken: set[int] = set()
    for row, _, word in numbers:
        if not _aligned(word, first):
            continue
        near = [
            (abs(cand.box.cy - row.box.cy), i)
            for i, (cand, _) in enumerate(table.candidates)
            if i not in taken and cand.page == row.page
        ]
        dist, best = min(near, default=(float("inf"), -1))
        if dist <= NUMBER_REACH * height:
            taken.add(best)
    if not taken:
        return None  # numbers that match no item row are not the table's numbering
    shapes = [_numeric(table.candidates[i][1]) for i in taken]
    shape = set.intersection(*shapes) if len(shapes) >= 2 else set()
    return [
        item
        for i, (_, item) in enumerate(table.candidates)
        if i in taken
        or _adds_up(item)  # a number the OCR lost: quantity x price = amount ...
        or (len(shape) >= 3 and shape <= _numeric(item))  # ... or filled like numbered rows
    ]


def _in_position_column(word: Word, cols: list[Column]) -> bool:
    """Whether a number sits under the position column's title (any x without one)."""
    pos = [c for c in cols if c.name == "position"]
    slack = max(word.box.height, 1.0)
    return not pos or any(
        min(word.box.x1, c.x1 + slack) - max(word.box.x0, c.x0 - slack) > 0 for c in pos
    )


def _numeric(item: LineItem) -> set[str]:
    """Return the numeric cells an item fills (quantity, unit price, tax rate, amount)."""
    return {n for n in ("quantity", "unit_price", "tax_rate", "amount") if n in item.fields}


def _adds_up(item: LineItem) -> bool:
    """Whether an item's quantity times its unit price gives its amount (to 1 %)."""
    qty, price, amount = (item.value(n) for n in ("quantity", "unit_price", "amount"))
    if not all(isinstance(v, Decimal) for v in (qty, price, amount)) or not amount:
        return False
    return bool(abs(qty * price - amount) <= abs(amount) / 100)


def _closes(index: DocIndex, table: _Table, row: Row) -> bool:
    """Whether a row ends a table: the total, another table's titles or a tall gap.

    Title rows stacked right under the header are the header's own wrapped titles.
    """
    if _is_total_row(index, row) or _closes_on_gap(table, row):
        return True
    if not _other_table_title(row):
        table.in_header = False
        return False
    gap = row.box.y0 - table.last_y1 if table.last_y1 is not None else float("inf")
    return not (table.in_header and gap <= row.box.height)


def line_items(index: DocIndex) -> list[LineItem]:
    """Line items of every item table of the document, in order."""
    tables: list[_Table] = []
    table: _Table | None = None
    for page in index.pages:
        if table is not None:
            table.last_y1 = None  # gaps are not measured across a page break
        last: LineItem | None = None
        for row in index.rows.get(page.index, []):
            header = header_of(row, index)
            if is_header(header):
                if table is None or [c.name for c in header] != [c.name for c in table.cols]:
                    table = _Table(header)
                    tables.append(table)
                table.cols, table.last_y1, last = header, row.box.y1, None
                table.in_header = True
                continue
            if table is None:
                continue
            if _closes(index, table, row):
                table, last = None, None
                continue
            if table.last_y1 is not None:
                table.max_gap = max(table.max_gap, row.box.y0 - table.last_y1)
            table.last_y1 = row.box.y1
            number = pos_token(index, row)
            if number is not None:
                table.numbers.append((row, *number))
            if _is_sum_row(index, row):
                last = None
                continue
            item = read_item(row, index, table.cols)
            if item is not None:
                table.candidates.append((row, item))
                last = item
            elif last is None or not _continue(last, row, index, table.cols):
                last = None
    items: list[LineItem] = []
    for t in tables:
        numbered = _numbered(t)
        items += numbered if numbered is not None else [item for _, item in t.candidates]
    for n, item in enumerate(items):
        item.index = n
    return items
