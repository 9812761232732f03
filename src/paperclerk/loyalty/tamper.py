"""Tamper evidence from the receipt's own arithmetic: the total checked against the rest.

A till prints the total once and then again in other guises: the tax summary (each rate's
base plus its tax), the cash handed over less the change, the line items, the subtotal
plus tax, a second total row ("NETT TOTAL"). Someone who paints a bigger total over the
printed one rarely redoes all of these, so each is a witness of the amount actually paid.
`witnesses` reads them from the receipt's words; `tamper_finding` compares them with the
total read and writes what an operator needs: "the total may have been changed: the tax
summary adds up to 14.90 (14.06 + 0.84 at 6 %), the total says 44.90".

Differences up to `ROUNDING` are the till's cash rounding (to 0.05), not an edit. A witness
can be misread too, so a contradiction sends the claim to a person rather than rejecting it;
two independent witnesses that agree with each other against the total make the finding
an error (strong evidence), one alone a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from paperclerk.extract.layout import Row, rows_of
from paperclerk.extract.receipt_amounts import (
    CASH,
    CHANGE,
    NOT_TOTAL,
    NOT_TOTAL_ROW,
    TOTAL_STRONG,
)
from paperclerk.loyalty.findings import Effect, LoyaltyFinding, finding
from paperclerk.model import Document, Severity
from paperclerk.parsers import find_amounts

ROUNDING = Decimal("0.05")  # cash rounding of a till (and a tax cent either way)
RATE = re.compile(r"(?<![\d.])(\d{1,2}(?:[.,]\d{1,2})?)\s*%")
TAX_CENT = Decimal("0.011")  # a tax amount may be rounded either way by a cent
MAX_RATE = Decimal(30)
PART = re.compile(r"TOTAL\s*\d+(\.\d+)?\s*%", re.IGNORECASE)
SECONDARY = ("line_items", "subtotal_plus_tax", "total_row", "tax_alone")
TAX_WORD = re.compile(r"\b(GST|SST|VAT|TAX|MWST|TVA|BTW|IVA)\b", re.IGNORECASE)
ROUNDING_WORD = re.compile(r"\bROUND(ING)?\b", re.IGNORECASE)
NOT_ITEM = re.compile(rf"{TOTAL_STRONG.pattern}|\b(CASH|CHANGE|TENDER|ROUNDING)\b", re.I)


@dataclass(frozen=True)
class Witness:
    """An amount the receipt implies for its total, and how it was worked out."""

    kind: str  # tax_summary, paid_less_change, line_items, subtotal_plus_tax, total_row…
    value: Decimal
    explanation: str
    tolerance: Decimal = Decimal(0)  # how far the value itself may be off


def _amounts(text: str) -> list[Decimal]:
    return [m.value for m in find_amounts(text)]


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def tax_summary_rows(rows: list[Row]) -> list[tuple[Decimal, Decimal, Decimal]]:
    """Return the (rate %, base, tax) rows of a tax summary whose tax is the rate of the base.

    A row qualifies when it prints a rate and, after it, two amounts of which one is that
    rate of the other (within a cent): "S = 6%  50.47  3.03", "Z @ 0%  23.70  0.00".
    The check keeps out rows that only mention a rate ("GST @6%: 0.40", an item "6% off").
    """
    out: list[tuple[Decimal, Decimal, Decimal]] = []
    for row in rows:
        found = RATE.search(row.text)
        if found is None:
            continue
        rate = Decimal(found.group(1).replace(",", "."))
        if rate > MAX_RATE:
            continue
        after = _amounts(row.text[found.end() :])
        if len(after) < 2:
            continue
        for base, tax in ((after[-2], after[-1]), (after[-1], after[-2])):
            if base > 0 and abs(base * rate / 100 - tax) <= TAX_CENT:
                out.append((rate, base, tax))
                break
    return list(dict.fromkeys(out))  # a summary repeated on the slip counts once


def _tax_summary(rows: list[Row]) -> Witness | None:
    parts = tax_summary_rows(rows)
    if not any(rate > 0 for rate, _, _ in parts):
        return None
    gross = sum((base + tax for _, base, tax in parts), Decimal(0))
    terms = " + ".join(f"{_fmt(b)} + {_fmt(t)} at {r.normalize():f} %" for r, b, t in parts)
    return Witness("tax_summary", gross, f"the tax summary adds up to {_fmt(gross)} ({terms})")


def _paid_less_change(rows: list[Row]) -> Witness | None:
    cash = change = None
    for row in rows:
        amounts = _amounts(row.text)
        if not amounts:
            continue
        if CHANGE.search(row.text):
            change = abs(amounts[-1]) if change is None else change
        elif CASH.search(row.text) and cash is None:
            cash = amounts[-1]
    if cash is None or cash <= 0:
        return None
    if change is None or change >= cash:
        return None
    paid = cash - change
    return Witness(
        "paid_less_change",
        paid,
        f"cash {_fmt(cash)} less change {_fmt(change)} is {_fmt(paid)}",
    )


def _tax_alone(rows: list[Row]) -> Witness | None:
    """Return the gross a single printed tax implies ("GST @6%: 0.46" → about 8.13).

    Only where the receipt prints exactly one tax rate (a zero-rated part would make the
    implied gross smaller than the total); the tax is rounded to the cent, so the implied
    gross is known to a few cents (`Witness.tolerance`).
    """
    found: set[tuple[Decimal, Decimal]] = set()
    rates: set[Decimal] = set()
    for row in rows:
        hits = list(RATE.finditer(row.text))
        rates.update(Decimal(h.group(1).replace(",", ".")) for h in hits)
        if not hits or not TAX_WORD.search(row.text):
            continue
        after = _amounts(row.text[hits[0].end() :])
        if len(after) == 1 and after[0] > 0:
            found.add((Decimal(hits[0].group(1).replace(",", ".")), after[0]))
    if len(found) != 1 or len(rates) != 1:
        return None
    rate, tax = found.pop()
    if not 0 < rate <= MAX_RATE:
        return None
    gross = (tax * (100 + rate) / rate).quantize(Decimal("0.01"))
    slack = (Decimal("0.005") * (100 + rate) / rate).quantize(Decimal("0.01"))
    return Witness(
        "tax_alone",
        gross,
        f"tax {_fmt(tax)} at {rate.normalize():f} % is the tax of about {_fmt(gross)}",
        slack,
    )


def _rounded(rows: list[Row]) -> Witness | None:
    """Return the total before rounding plus the adjustment ("TOTAL 30.91, ROUNDING 0.01").

    Tills print the adjustment with either sign, so the rounded amount is the one of
    P − adj and P + adj that is a multiple of 0.05 (the rounding unit); none or both: no
    witness.
    """
    for i, row in enumerate(rows):
        if not ROUNDING_WORD.search(row.text) or TOTAL_STRONG.search(row.text):
            continue
        adjust = _amounts(row.text)
        if len(adjust) != 1:
            continue
        before = next(
            (
                amounts[0]
                for above in reversed(rows[max(0, i - 3) : i])
                if re.search(r"TOTAL", above.text, re.I)
                and not NOT_TOTAL_ROW.search(above.text)
                and len(amounts := _amounts(above.text)) == 1
            ),
            None,
        )
        if before is None:
            return None
        adj = abs(adjust[0])
        options = {before - adj, before + adj}
        rounded = [v for v in options if v % ROUNDING == 0]
        if len(rounded) != 1:
            return None
        return Witness(
            "rounded",
            rounded[0],
            f"{_fmt(before)} rounded by {_fmt(adj)} is {_fmt(rounded[0])}",
        )
    return None


def _line_items(doc: Document) -> Witness | None:
    values = [
        item.value("total_price")
        for item in doc.line_items
        if not NOT_ITEM.search(str(item.value("description") or ""))
    ]
    amounts = [v for v in values if isinstance(v, Decimal)]
    if len(amounts) < 1:
        return None
    total = sum(amounts, Decimal(0))
    if total <= 0:
        return None
    shown = " + ".join(_fmt(a) for a in amounts[:6]) + (" + …" if len(amounts) > 6 else "")
    return Witness("line_items", total, f"the items add up to {_fmt(total)} ({shown})")


def _subtotal_plus_tax(doc: Document) -> Witness | None:
    sub, tax = doc.value("subtotal"), doc.value("total_tax")
    if not (isinstance(sub, Decimal) and isinstance(tax, Decimal)) or sub <= 0 or tax <= 0:
        return None
    return Witness(
        "subtotal_plus_tax",
        sub + tax,
        f"subtotal {_fmt(sub)} plus tax {_fmt(tax)} is {_fmt(sub + tax)}",
    )


def _total_rows(rows: list[Row], total: Decimal) -> list[Witness]:
    """Other total rows ("TOTAL", "NETT TOTAL", "AMOUNT DUE") that print another amount."""
    out = []
    for row in rows:
        text = row.text
        if not TOTAL_STRONG.search(text) or NOT_TOTAL_ROW.search(text) or NOT_TOTAL.search(text):
            continue
        if PART.search(text):  # "TOTAL 0% SUPPLIES": a part of the total
            continue
        amounts = [a for a in _amounts(text) if a > 0]
        if len(amounts) != 1:  # several amounts on a total row: a table, not a witness
            continue
        if abs(amounts[0] - total) > ROUNDING:
            shown = " ".join(text.split())[:60]
            out.append(Witness("total_row", amounts[0], f"the row '{shown}' says {amounts[0]}"))
    return out


def witnesses(doc: Document, total: Decimal) -> list[Witness]:
    """Return every amount the receipt's other lines imply for its total."""
    rows = [row for page in doc.pages for row in rows_of(page)]
    found = [
        _tax_summary(rows),
        _paid_less_change(rows),
        _line_items(doc),
        _subtotal_plus_tax(doc),
        _tax_alone(rows),
        _rounded(rows),
    ]
    return [w for w in found if w is not None] + _total_rows(rows, total)


def _agrees(a: Decimal, b: Decimal, slack: Decimal = Decimal(0)) -> bool:
    return abs(a - b) <= ROUNDING + slack


def tamper_finding(doc: Document) -> LoyaltyFinding:
    """Compare the total with what the receipt's own arithmetic says it should be.

    Passes when no witness could be read or every one that disagrees is explained by
    another reading of the total (a line-items sum that misses an item is not an edit
    when the tax summary and the cash agree with the total). Fails — to review — when
    witnesses that agree with no reading of the total remain; with two independent ones
    agreeing on another amount, as an error.
    """
    total = doc.value("total")
    if not isinstance(total, Decimal) or not doc.pages:
        return finding("tamper.total", True, "no total to check against the receipt")
    found = witnesses(doc, total)
    if not found:
        return finding(
            "tamper.total",
            True,
            "nothing else on the receipt (tax summary, cash, items) to check the total against",
        )
    agree = [w for w in found if _agrees(w.value, total, w.tolerance)]
    disagree = [w for w in found if not _agrees(w.value, total, w.tolerance)]
    evidence = {
        "total": str(total),
        "witnesses": [{"kind": w.kind, "value": str(w.value), "agrees": w in agree} for w in found],
    }
    against = _against(agree, disagree)
    if not against:
        confirmed = "; ".join(w.explanation for w in agree) or "no contradiction"
        return finding(
            "tamper.total",
            True,
            f"the total {total} agrees with the receipt: {confirmed}",
            evidence=evidence,
        )
    corroborated = [w for w in _corroborated(disagree) if against]
    severity = Severity.ERROR if corroborated else Severity.WARNING
    said = "; ".join(w.explanation for w in (corroborated or against))
    return finding(
        "tamper.total",
        False,
        f"the total may have been changed: {said}, but the total says {total}",
        effect=Effect.REVIEW,
        severity=severity,
        fields=["total"],
        evidence=evidence | {"corroborated": bool(corroborated)},
    )


def _against(agree: list[Witness], disagree: list[Witness]) -> list[Witness]:
    """Return the witnesses that count against the total (empty: nothing to report).

    The tax summary is the hardest line to forge (each rate's base and tax must agree), so
    its contradiction always counts. Cash less change and the total before rounding count
    unless the tax summary confirms the total. The others (items, subtotal plus tax, a lone
    tax, another total row) are often incomplete or misread, so they count only when two of
    different kinds agree with each other on one other amount, and the tax summary does not
    confirm the total.
    """
    summary_agrees = any(w.kind == "tax_summary" for w in agree)
    out = [w for w in disagree if w.kind == "tax_summary"]
    if not summary_agrees:
        out += [w for w in disagree if w.kind in ("paid_less_change", "rounded")]
        if not out:
            out = _corroborated([w for w in disagree if w.kind in SECONDARY])
    return out


def _corroborated(disagree: list[Witness]) -> list[Witness]:
    """Return two or more witnesses of different kinds that agree on one other amount."""
    best: list[Witness] = []
    for w in disagree:
        group = [o for o in disagree if _agrees(o.value, w.value, o.tolerance + w.tolerance)]
        if len({o.kind for o in group}) >= 2 and len(group) > len(best):
            best = group
    return best


def confirmation_finding(findings: list[LoyaltyFinding], required: bool) -> LoyaltyFinding:
    """Say whether anything on the receipt confirms its total; with `required`, review if not.

    A campaign may ask for it (`confirm_total`): an edit that leaves no line to contradict
    it (no tax summary read, the cash line forged too) is then not paid without a person,
    at the cost of sending honest receipts with no such line to review as well.
    """
    checked = next((f for f in findings if f.rule_id == "tamper.total"), None)
    witnessed = checked.evidence.get("witnesses", []) if checked is not None else []
    confirming = [w["kind"] for w in witnessed if w.get("agrees")]
    if confirming or (checked is not None and not checked.passed):
        return finding(
            "tamper.confirmed_total",
            True,
            "the total is confirmed by " + ", ".join(confirming).replace("_", " ")
            if confirming
            else "the total is contradicted (see tamper.total)",
            evidence={"confirmed_by": confirming},
        )
    message = "nothing else on the receipt (tax summary, cash, rounding, items) confirms the total"
    if not required:
        return finding("tamper.confirmed_total", True, message, evidence={"confirmed_by": []})
    return finding(
        "tamper.confirmed_total",
        False,
        message + "; the campaign asks a person to check such totals",
        effect=Effect.REVIEW,
        fields=["total"],
        evidence={"confirmed_by": []},
    )
