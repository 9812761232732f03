"""Totals, subtotal and tax of a receipt, read from keyword rows."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from paperclerk.extract.layout import Candidate, Row, candidate_from_lines
from paperclerk.model import ExtractedField
from paperclerk.parsers import find_amounts, find_misread_point_amounts

T = r"[T7Il1][O0]TA[L1I]"
TOTAL_STRONG = re.compile(
    rf"(GRAND\s*{T}|NET+\s*{T}|{T}\s*AMOUNT|{T}\s*\(?\s*INCL|{T}\s*SALES?\s*\(?INCL|"
    rf"ROUND(ED|ING)?\s*{T}|{T}\s*ROUND|{T}\s*PAYABLE|AMOUNT\s*DUE|{T}\s*DUE|"
    rf"{T}\s*AFTER|{T}\s*\(?RM|{T}\s*:|\b{T}\s*$|^\s*{T}\b|JUMLAH|GESAMT|MONTANT\s*TTC|TOTAAL|NETT)",
    re.IGNORECASE,
)
TOTAL_WEAK = re.compile(r"([T7Il1][O0]TA[L1I]|AMOUNT|AMT|DUE|PAYABLE|SUMME|TTC)", re.IGNORECASE)
NOT_TOTAL = re.compile(
    r"(SUB\s*-?\s*TOTAL|TOTAL\s*(QTY|QUANTITY|ITEMS?|DISC|SAVING|GST|TAX|VAT|EXCL|\(EXCL)|"
    r"EXCL|ITEM\s*COUNT|\bQTY\b|NO\.?\s*OF\s*ITEMS|CHANGE|TENDER|CASH\b|DISCOUNT|"
    r"GST\s*SUMMARY|POINTS?|SAVED|BEFORE)",
    re.IGNORECASE,
)
NOT_TOTAL_ROW = re.compile(
    rf"(SUB\s*-?\s*{T}|EXCL|QTY|ITEM|(TAX|GST|VAT|SST)\s*{T}|"
    rf"{T}\s*\(?(GST|TAX|VAT|SST|QTY|QUANTITY|ITEMS?|DISC|SAVINGS?|POINTS?)\b|INCLUDED|INCLUSIVE\s+IN)",
    re.IGNORECASE,
)
SUBTOTAL = re.compile(r"(SUB\s*-?\s*TOTAL|TOTAL\s*\(?EXCL|TOTAL\s*BEFORE|NET\s*AMOUNT)", re.I)
TAX = re.compile(
    r"(\bGST\b|\bSST\b|\bVAT\b|\bTAX\b|SERVICE\s*TAX|MWST|TVA|\bBTW\b|IVA)", re.IGNORECASE
)
NOT_TAX = re.compile(r"(INCL|TAX\s*INVOICE|GST\s*(REG|ID|NO)|%\s*$|SUMMARY|CODE)", re.IGNORECASE)


def _row_amounts(row: Row) -> list[tuple[Decimal, str]]:
    return [(m.value, m.raw) for m in find_amounts(row.text)]


def _keyword_row_amounts(row: Row) -> list[tuple[Decimal, str]]:
    """Amounts of a total's own row; beside the keyword, "52-00" is 52.00 misread."""
    found = _row_amounts(row)
    return found or [(m.value, m.raw) for m in find_misread_point_amounts(row.text)]


SUMMARY = re.compile(r"(GST|TAX|VAT|SST)\s*(SUMMARY|ANALYSIS|CODE|DETAILS)|TAX\s*CODE", re.I)
CASH = re.compile(r"\b(CASH|TUNAI|TENDERED|PAID|BAYAR|VISA|MASTER|CARD|CREDIT)\b", re.I)
CHANGE = re.compile(r"\b(CHANGE|BAKI|KEMBALI|RÜCKGELD)\b", re.I)
CASH_HANDED = re.compile(rf"\b(CASH|TUNAI|TENDERED)\b|{CHANGE.pattern}", re.I)
"""Rows of cash handed over or change given back: what was paid, not what was owed."""
CARD = re.compile(r"\b(VISA|MASTER|MASTERCARD|CARD|CREDIT|DEBIT|CC|AMEX)\b", re.I)
"""Rows of a payment by card, which pays the exact amount owed."""


def _amounts_below(row: Row, tendered: Decimal | None) -> list[tuple[Decimal, str]]:
    """Amounts of the row below a keyword printed alone, where they can be the total's.

    Not when that row has a keyword of its own: "TOTAL QUANTITY 3" above "SUB-TOTAL 49.06"
    would take the subtotal. Cash handed over counts only where it is what was paid (no
    change, or none printed): "Total After Rounding" above "Cash 50.00" with "Change 28.60"
    further down is a total of 21.40.
    """
    text = row.text
    if any(p.search(text) for p in (CHANGE, TOTAL_WEAK, NOT_TOTAL_ROW, SUBTOTAL, TAX)):
        return []
    amounts = _row_amounts(row)
    if CASH_HANDED.search(text) and tendered is not None:
        return [(value, raw) for value, raw in amounts if value == tendered]
    return amounts


def tendered_total(rows: list[Row]) -> Decimal | None:
    """Cash handed over minus change given back: the total the customer paid."""
    cash = change = None
    for row in rows:
        amounts = _row_amounts(row)
        if not amounts:
            continue
        if CHANGE.search(row.text) and change is None:
            change = abs(amounts[-1][0])  # "20.00-": change printed as a negative
        elif CASH.search(row.text) and cash is None and not CHANGE.search(row.text):
            cash = amounts[-1][0]
    if cash is None or change is None or cash <= change:
        return None
    return cash - change


def card_payment(rows: list[Row]) -> Decimal | None:
    """Return the amount paid by card where no change is given: a card pays the total.

    On the 326 shared receipts' given words, the first card row's amount (sign dropped:
    `MASTERCARD -99.80`) is the confirmed total on all 14 that print one and no change.
    """
    if any(CHANGE.search(row.text) and _row_amounts(row) for row in rows):
        return None
    for row in rows:
        amounts = _row_amounts(row) if CARD.search(row.text) else []
        if amounts:
            return abs(amounts[-1][0])
    return None


def total_candidates(rows: list[Row]) -> list[Candidate]:
    """Score amounts next to total keywords.

    Evidence: keyword strength, position (totals sit low, but above the tax summary),
    repetition of the amount (total, cash) and cash minus change.
    """
    all_amounts: Counter[Decimal] = Counter()
    for row in rows:
        for value, _ in _row_amounts(row):
            all_amounts[value] += 1
    summary_at = next((i for i, r in enumerate(rows) if SUMMARY.search(r.text)), len(rows))
    tendered = tendered_total(rows)
    out: list[Candidate] = []
    n = len(rows)
    for i, row in enumerate(rows):
        text = row.text
        strong = bool(TOTAL_STRONG.search(text))
        weak = bool(TOTAL_WEAK.search(text))
        if not (strong or weak):
            continue
        if NOT_TOTAL.search(text) and not strong:
            continue
        if NOT_TOTAL_ROW.search(text):
            continue
        amounts = _keyword_row_amounts(row)
        source_rows = [row]
        if not amounts and i + 1 < n:
            amounts = _amounts_below(rows[i + 1], tendered)
            source_rows = [rows[i + 1]]
        if not amounts:
            continue
        # a total row with several amounts is usually a tax table: the largest is the gross
        value, raw = max(amounts, key=lambda a: a[0])
        if value <= 0:
            continue
        score = 0.55 if strong else 0.35
        score += 0.05 * min(all_amounts[value] - 1, 3)
        score += 0.1 * (i / max(n, 1))
        if re.search(r"ROUND|AFTER\s*ADJ|NETT|GRAND|PAYABLE|DUE", text, re.I):
            score += 0.1
        if i > summary_at:
            score -= 0.3
        if tendered is not None and value == tendered:
            score += 0.2
        lines = [ln for r in source_rows for ln in r.lines]
        out.append(candidate_from_lines(value, lines, row.page, min(0.95, score), raw))
    if tendered is not None and not any(c.value == tendered for c in out):
        for row in rows:
            if CASH.search(row.text):
                out.append(candidate_from_lines(tendered, row.lines, row.page, 0.4, str(tendered)))
                break
    if not out:
        for value, count in all_amounts.most_common():
            if value <= 0:
                continue
            score = 0.15 + (0.1 if value == max(all_amounts) else 0) + 0.03 * min(count, 3)
            for row in rows:
                hits = [raw for v, raw in _row_amounts(row) if v == value]
                if hits:
                    out.append(candidate_from_lines(value, row.lines, row.page, score, hits[0]))
                    break
    return out


def keyword_amount_candidates(
    rows: list[Row], keyword: re.Pattern[str], exclude: re.Pattern[str] | None = None
) -> list[Candidate]:
    """Return the last amount of each row whose text matches `keyword` (and not `exclude`)."""
    out: list[Candidate] = []
    for row in rows:
        if not keyword.search(row.text) or (exclude is not None and exclude.search(row.text)):
            continue
        amounts = _row_amounts(row)
        if amounts:
            value, raw = amounts[-1]
            out.append(candidate_from_lines(value, row.lines, row.page, 0.6, raw))
    return out


def drop_implausible_tax(fields: dict[str, ExtractedField]) -> None:
    """Remove a tax read as at least half the total or the subtotal it is charged on.

    No sales tax comes near that; such a value is the total or subtotal read from a row
    that also says 'GST' (`Total incl. GST 16.00`), and left in place it would make the
    subtotal + tax check fail on a receipt whose total is right.
    """
    tax = fields.get("total_tax")
    if tax is None or not isinstance(tax.value, Decimal):
        return
    for name in ("total", "subtotal"):
        base = fields.get(name)
        if base is not None and isinstance(base.value, Decimal) and tax.value * 2 >= base.value:
            del fields["total_tax"]
            return
