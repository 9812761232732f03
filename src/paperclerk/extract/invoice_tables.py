"""Invoice tables: line items under a column header row, and VAT rate lines.

A header row is a row with several known column titles (``Pos``, ``Description``, ``Qty``,
``Menge``, ``Prix unitaire``, ``Bedrag``...).  A later row with an amount (in the amount
column, when there is one) is read as an item; its words are put into the column whose
title they sit under.  Text-only rows right under an item continue its description.  Where
a table starts and ends, and which of its rows are items, is decided in ``invoice_items``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz, process

from paperclerk.extract.common import DocIndex, norm
from paperclerk.extract.layout import Row
from paperclerk.model import (
    ExtractedField,
    FieldSource,
    FieldValue,
    LineItem,
    Provenance,
    TaxDetail,
    Word,
)
from paperclerk.model import union_all as _union
from paperclerk.parsers import find_amounts, parse_amount

_COLUMN_TITLES: dict[str, str] = {
    "description": "description|descripcion|item|items|article|artikel|designation|"
    "omschrijving|beschreibung|bezeichnung|product|produit|producto|nazwa|descrizione|"
    "particulars|service|leistung|libelle|details|product title|nazwa towaru",
    "quantity": "qty|quantity|menge|anzahl|aantal|nombre|qte|quantite|cantidad|cant|"
    "hoeveelheid|ilosc|quantita|qta",
    "unit": "unit|units|einheit|unite|eenheid|jm|uom",
    "unit_price": "price|rate|prix|pu|preis|einzelpreis|prijs|precio|cena|prezzo|unit price|"
    "p u|pu ht|p u ht|prix unitaire|vk preis|prijs per stuk|precio unitario|unit cost|"
    "nettopreis|stuckpreis|einzelpreis netto|prix unitaire ht|stukprijs|eenheidsprijs",
    "amount": "amount|total|betrag|gesamt|gesamtpreis|montant|bedrag|importe|wartosc|importo|"
    "zeilenbetrag|montant ht|montant ttc|line total|prijs incl btw|total price|nettobetrag|"
    "gesamtbetrag|total ht|totaal|bedrag excl btw|line amount|net amount",
    "tax_rate": "tax|taxes|vat|mwst|ust|tva|btw|iva|gst|tax %|vat %|btw %|steuersatz|"
    "ust satz|mwst satz|taux tva|btw tarief|vat rate|tax rate",
    "product_code": "code|sku|ref|reference|artikelnummer|art nr|item code|product code",
    "position": "pos|position|pos nr|posnr|lfd nr|no|nr|ligne|line|line no|regel",
    "_skip": "disc|rabatt|remise|korting|discount|disc %|rabatt %",
}
_COLUMNS = {title: cat for cat, titles in _COLUMN_TITLES.items() for title in titles.split("|")}
_PERCENT = re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s?%")
_CODE = re.compile(r"^[\[*(]?([A-Z0-9][A-Z0-9_\-./]*\d[A-Z0-9_\-./]*)[\])*]?$", re.IGNORECASE)
_TAX_WORDS = re.compile(r"\b(tax|vat|gst|mwst|ust|tva|btw|iva|sst|ppn|steuer)\b", re.IGNORECASE)


@dataclass
class Column:
    """A column title and the horizontal extent it covers."""

    name: str
    x0: float
    x1: float


_LONG_TITLES = [t for t in _COLUMNS if len(t) >= 6 and " " not in t]


def _column_title(text: str, fuzzy: bool) -> str | None:
    """Return the column a title names, matching a long word loosely when ``fuzzy``."""
    cat = _COLUMNS.get(text)
    if cat is not None or not fuzzy or len(text) < 6:
        return cat
    found = process.extractOne(text, _LONG_TITLES, scorer=fuzz.ratio, score_cutoff=85.0)
    return _COLUMNS[found[0]] if found else None


def header_of(row: Row, index: DocIndex) -> list[Column]:
    """Categorise the words of a row as column titles; longest known phrase first.

    A long single word may be misread by OCR by a letter or two (``Beschribung``).
    """
    words = [w for ln in row.lines for w in index.line_words(ln)]
    cols: list[Column] = []
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            chunk = words[i : i + n]
            cat = _column_title(norm(" ".join(w.text for w in chunk)), fuzzy=n == 1)
            if cat and len(chunk) == n:
                cols.append(Column(cat, chunk[0].box.x0, chunk[-1].box.x1))
                i += n
                break
        else:
            i += 1
    return cols


def is_header(cols: list[Column]) -> bool:
    """Whether the titles of a row make an item-table header: a description and an amount."""
    names = {c.name for c in cols}
    return (
        len(cols) >= 3
        and "description" in names
        and bool(names & {"amount", "unit_price", "quantity"})
    )


def _column_of(word: Word, cols: list[Column], prev: tuple[Word, str] | None) -> str:
    """Return the column a word sits under: most overlap, else continued description, else nearest.

    A word outside every title continues the description when the previous word of the same
    text line is a description word (long names run past the next column's title).
    """
    overlaps = [(min(word.box.x1, c.x1) - max(word.box.x0, c.x0), c) for c in cols]
    best = max(overlaps, key=lambda t: t[0])
    if best[0] > 0:
        return best[1].name
    if prev is not None and prev[1] == "description" and prev[0].line_id == word.line_id:
        return "description"
    return min(cols, key=lambda c: min(abs(word.box.x0 - c.x1), abs(c.x0 - word.box.x1))).name


def _assign(words: list[Word], cols: list[Column]) -> dict[str, list[Word]]:
    """Put each word of a row (left to right) into a column."""
    cells: dict[str, list[Word]] = {}
    prev: tuple[Word, str] | None = None
    for w in sorted(words, key=lambda w: w.box.x0):
        name = _column_of(w, cols, prev)
        cells.setdefault(name, []).append(w)
        prev = (w, name)
    return cells


def header_lines(index: DocIndex) -> set[str]:
    """Ids of the lines of item-table header rows, with title rows wrapped under them."""
    out: set[str] = set()
    for rows in index.rows.values():
        in_header = False
        for row in rows:
            if is_header(header_of(row, index)):
                in_header = True
                out |= {ln.id for ln in row.lines}
                bottom, height = row.box.y1, row.box.height
                continue
            if (
                in_header
                and row.box.y0 - bottom < 1.2 * height
                and not any(c.isdigit() for c in row.text)
            ):
                out |= {ln.id for ln in row.lines}
                bottom = row.box.y1
            else:
                in_header = False
    return out


def _cell(name: str, value: FieldValue, words: list[Word], page: int) -> ExtractedField:
    box = _union([w.box for w in words])
    prov = Provenance(page=page, box=box, word_ids=[w.id for w in words])
    raw = " ".join(w.text for w in words)
    return ExtractedField(
        name=name,
        value=value,
        raw_text=raw,
        confidence=0.6,
        provenance=prov,
        source=FieldSource.RULE,
    )


def read_item(row: Row, index: DocIndex, cols: list[Column]) -> LineItem | None:
    """Build one line item from a row, or None when the row has no amount.

    When the header has an amount column, the amount must sit in it.  The item's index is
    0; the caller numbers the items it keeps.
    """
    words = [w for ln in row.lines for w in index.line_words(ln)]
    text = " ".join(w.text for w in words)
    # word by word too: "9,90 198,00" side by side can read as one grouped number
    amounts = find_amounts(text) or [m for w in words for m in find_amounts(w.text)]
    if not amounts:
        return None
    cells = _assign(words, cols)
    fields: dict[str, ExtractedField] = {}
    if any(c.name == "amount" for c in cols) and not find_amounts(
        " ".join(w.text for w in cells.get("amount", []))
    ):
        return None  # "Gross price: 9.00" under a description: a detail, not an item
    money_words = {id(w) for name in ("amount", "unit_price") for w in cells.get(name, [])}
    amount_cell = cells.get("amount") or [w for w in words if id(w) in money_words][-1:]
    amount = parse_amount(" ".join(w.text for w in amount_cell)) if amount_cell else None
    if amount is None:
        amount, amount_cell = amounts[-1].value, words[-1:]
    fields["amount"] = _cell("amount", amount, amount_cell, row.page)
    price_cell = cells.get("unit_price")
    price = parse_amount(" ".join(w.text for w in price_cell)) if price_cell else None
    if price_cell and price is not None:
        fields["unit_price"] = _cell("unit_price", price, price_cell, row.page)
    qty_cell = cells.get("quantity", [])
    qty_text = " ".join(w.text for w in qty_cell)
    qty_m = re.match(r"\s*(\d+(?:[.,]\d+)?)\s*([^\W\d_]{1,6})?", qty_text)
    desc_words = cells.get("description", [])
    if not qty_m and desc_words and re.fullmatch(r"\d{1,3}", desc_words[0].text):
        qty_cell, desc_words = desc_words[:1], desc_words[1:]  # "1 Small Business ..." rows
        qty_m = re.match(r"(\d+)()", qty_cell[0].text)
    if qty_m:
        fields["quantity"] = _cell(
            "quantity", Decimal(qty_m.group(1).replace(",", ".")), qty_cell, row.page
        )
        if qty_m.group(2):
            fields["unit"] = _cell("unit", qty_m.group(2), qty_cell, row.page)
    pct = _PERCENT.search(text)
    if pct:
        rate = Decimal(pct.group(1).replace(",", "."))
        fields["tax_rate"] = _cell("tax_rate", rate, cells.get("tax_rate", words), row.page)
    code_words = cells.get("product_code", [])
    if not code_words and desc_words and _CODE.match(desc_words[0].text) and len(desc_words) > 1:
        code_words, desc_words = desc_words[:1], desc_words[1:]
    if code_words:
        m = _CODE.match(code_words[0].text)
        code = m.group(1) if m else " ".join(w.text for w in code_words)
        fields["product_code"] = _cell("product_code", code, code_words, row.page)
    if desc_words:
        desc = " ".join(w.text for w in desc_words)
        fields["description"] = _cell("description", desc, desc_words, row.page)
    prov = Provenance(page=row.page, box=row.box, word_ids=[w.id for w in words])
    return LineItem(index=0, fields=fields, provenance=prov, confidence=0.6)


def continue_item(item: LineItem, row: Row, index: DocIndex, cols: list[Column]) -> bool:
    """Append a text-only row under an item to its description; False when it is not one."""
    words = [w for ln in row.lines for w in index.line_words(ln)]
    if not words or set(_assign(words, cols)) != {"description"}:
        return False
    desc = item.fields.get("description")
    if desc is None or desc.provenance is None or desc.provenance.box is None:
        return False
    gap = row.box.y0 - desc.provenance.box.y1
    if gap > 0.9 * max(row.box.height, 1.0):
        return False
    extra = " ".join(w.text for w in words)
    box = _union([desc.provenance.box, row.box])
    desc.value = f"{desc.value}\n{extra}"
    desc.raw_text = f"{desc.raw_text}\n{extra}"
    desc.provenance = Provenance(
        page=row.page, box=box, word_ids=desc.provenance.word_ids + [w.id for w in words]
    )
    return True


def _split(amounts: list[Decimal], rate: Decimal) -> TaxDetail:
    """Assign net / tax among the amounts of a VAT line using ``net × rate = tax``."""
    for i, net in enumerate(amounts):
        for tax in amounts[i + 1 :]:
            if abs(net * rate / 100 - tax) <= max(Decimal("0.02"), tax / 100):
                return TaxDetail(rate=rate, net=net, tax=tax)
    return TaxDetail(rate=rate, tax=amounts[-1])


def tax_details(index: DocIndex) -> list[TaxDetail]:
    """VAT lines: a rate with amounts, on a row naming the tax or under a tax table header."""
    out: list[TaxDetail] = []
    for page in index.pages:
        prev = ""
        for row in index.rows.get(page.index, []):
            text = row.text
            pct = _PERCENT.search(text)
            taxy = _TAX_WORDS.search(text) or (_TAX_WORDS.search(prev) and "%" in prev)
            prev = text
            if not pct or not taxy:
                continue
            rest = text[: pct.start()] + " " * (pct.end() - pct.start()) + text[pct.end() :]
            amounts = [a.value for a in find_amounts(rest)]
            if not amounts:
                continue
            detail = _split(amounts, Decimal(pct.group(1).replace(",", ".")))
            if detail not in out:
                out.append(detail)
    nets = {(d.rate, d.net) for d in out if d.net is not None}
    # "Nettobetrag (zzgl. 19% MwSt.) 376,37" names the net of a rate that a full row explains
    return [d for d in out if d.net is not None or (d.rate, d.tax) not in nets]
