"""Bank statements: bank, holder, IBAN, period, balances and the transactions, checked.

Header values are read next to their labels (`proof_labels.BANK_STATEMENT`). A
transaction is a visual row that starts with a date (``14.03.2024``, ``14.03.``, ``14 Mar``)
and holds at least one amount; the last amount of a row with two is its running balance.
Whether an amount is paid in or out comes from its own sign, else from the column it
stands under (``Debit``/``Soll``/``Débit``/``Af`` against ``Credit``/``Haben``/``Crédit``/
``Bij``), else from the running balance it leads to. A date printed without a year takes
the year that puts it inside the statement period.

Then the balances are checked: opening balance plus every amount must give the closing
balance, and each running balance must follow from the one before. A break is reported
as the finding ``bank_statement.balance_continuity``, naming the row where it happens: a
statement whose numbers do not add up is either misread or edited.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from paperclerk.extract.base import Extraction
from paperclerk.extract.common import DocIndex, LabelHit, amount_of, norm
from paperclerk.extract.layout import Candidate, Row, candidate_from_lines
from paperclerk.extract.proof_common import (
    Reader,
    address_blocks,
    currency_candidates,
    header_names,
    person_like,
    read_money,
    read_name,
    read_period,
    split_period,
    to_fields,
)
from paperclerk.extract.proof_labels import BANK_STATEMENT
from paperclerk.extract.proof_rules import ProofRules
from paperclerk.model import (
    DocType,
    ExtractedField,
    Finding,
    LineItem,
    Page,
    Provenance,
    Severity,
    Word,
    union_all,
)
from paperclerk.parsers import AmountMatch, find_amounts, find_dates, find_ibans
from paperclerk.parsers.dates import month_number

VERSION = "rule-bank-statement-1"
CONTINUITY = "bank_statement.balance_continuity"
UNCHECKED = "bank_statement.balance_unchecked"

_IBAN_SHAPE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{1,4}){3,8}\b")
_SHORT_DATE = re.compile(r"^(\d{1,2})[./\-](\d{1,2})\.?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\.?\s+([^\W\d_]{3,})\.?(?:\s+(\d{4}))?")
_BANK_WORD = re.compile(
    r"(bank\b|\bbanque|banca|banco|sparkasse|kasse|caisse|cr[eé]dit|building society|"
    r"volksbank|raiffeisen|trust|savings)\b",
    re.IGNORECASE,
)
_COLUMNS = {
    "debit": ("debit", "debits", "paid out", "withdrawals", "money out", "out", "soll",
              "lastschrift", "belastung", "ausgang", "af", "debet"),
    "credit": ("credit", "credits", "paid in", "deposits", "money in", "in", "haben",
               "gutschrift", "eingang", "bij", "credit eur"),
    "balance": ("balance", "saldo", "solde", "kontostand", "stand"),
    "amount": ("amount", "betrag", "montant", "bedrag", "wert", "umsatz"),
}  # fmt: skip
_CENT = Decimal("0.01")


def read_iban(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read an IBAN next to its label: a valid one is sure, an IBAN-shaped one is not."""
    places = [(index.right_of(hit), 1.0)] + [([s], 0.8) for s in index.below(hit)[:1]]
    for spans, place in places:
        for span in spans:
            valid = find_ibans(span.text)
            if valid:
                ids, box = span.evidence()
                return [Candidate(valid[0], span.text, weight * place, span.page, ids, box)]
            m = _IBAN_SHAPE.search(span.text.upper())
            if m:
                ids, box = span.evidence(m.start(), m.end())
                value = m.group(0).replace(" ", "")
                return [Candidate(value, m.group(0), 0.5 * weight * place, span.page, ids, box)]
    return []


READERS: dict[str, Reader] = {
    "account_holder": read_name,
    "iban": read_iban,
    "period": read_period,
    "opening_balance": read_money,
    "closing_balance": read_money,
}


@dataclass
class Transaction:
    """One statement row: its day, text, signed amount and running balance as read."""

    row: Row
    day: dt.date | None
    day_text: str
    description: str
    amount: Decimal
    signed: bool
    column: str | None
    balance: Decimal | None
    words: list[Word]


def _row_text(index: DocIndex, row: Row) -> tuple[str, list[tuple[int, Word]]]:
    """Join the row's lines with `` | `` and note each word's offset in the text.

    The separator keeps two cells from reading as one amount (``-181,76 209,81`` is two).
    """
    parts: list[str] = []
    placed: list[tuple[int, Word]] = []
    pos = 0
    for n, line in enumerate(row.lines):
        if n:
            parts.append(" | ")
            pos += 3
        for k, w in enumerate(index.line_words(line)):
            if k:
                parts.append(" ")
                pos += 1
            placed.append((pos, w))
            parts.append(w.text)
            pos += len(w.text)
    return "".join(parts), placed


def _leading_date(text: str, dayfirst: bool) -> tuple[dt.date | None, int, int, int] | None:
    """Read the date a row starts with: (full date or None, day, month, end offset)."""
    head = text.strip()
    dates = find_dates(head[:24], dayfirst)
    if dates and dates[0].start <= 1:
        d = dates[0]
        return d.value, d.value.day, d.value.month, d.end
    first = head.split(" ", 1)[0]
    m = _SHORT_DATE.match(first)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        day, month = (a, b) if dayfirst else (b, a)
        if 1 <= day <= 31 and 1 <= month <= 12:
            return None, day, month, len(first)
    m = _DAY_MONTH.match(head)
    if m:
        month_no = month_number(m.group(2))
        if month_no is not None and 1 <= int(m.group(1)) <= 31:
            return None, int(m.group(1)), month_no, m.end()
    return None


def _year_for(day: int, month: int, period: tuple[dt.date, dt.date] | None) -> dt.date | None:
    """Return the day in the year that puts it inside (or nearest to) the statement period."""
    if period is None:
        return None
    best: tuple[int, dt.date] | None = None
    for year in {period[0].year, period[1].year}:
        try:
            d = dt.date(year, month, day)
        except ValueError:
            continue
        dist = (
            0
            if period[0] <= d <= period[1]
            else min(abs((d - period[0]).days), abs((d - period[1]).days))
        )
        if best is None or dist < best[0]:
            best = (dist, d)
    return best[1] if best else None


def _columns(index: DocIndex) -> dict[int, list[tuple[str, float]]]:
    """Return the x-centres of amount column titles per page (debit, credit, balance...)."""
    out: dict[int, list[tuple[str, float]]] = {}
    for page, rows in index.rows.items():
        for row in rows:
            found: list[tuple[str, float]] = []
            for line in row.lines:
                key = norm(line.text)
                for kind, titles in _COLUMNS.items():
                    if key in titles:
                        found.append((kind, line.box.cx))
            if len(found) >= 2 and not any(c.isdigit() for c in row.text):
                out.setdefault(page, found)
    return out


def _amount_words(placed: list[tuple[int, Word]], m: AmountMatch) -> list[Word]:
    """Return the words of a row under an amount's characters."""
    out = [w for pos, w in placed if pos < m.end and pos + len(w.text) > m.start]
    return out or [w for _, w in placed[-1:]]


def _column_of(words: list[Word], columns: list[tuple[str, float]]) -> str | None:
    if not columns or not words:
        return None
    box = union_all([w.box for w in words])
    assert box is not None
    return min(columns, key=lambda c: abs(c[1] - box.cx))[0]


def statement_rows(
    index: DocIndex, dayfirst: bool, period: tuple[dt.date, dt.date] | None
) -> list[Transaction]:
    """Read the transaction rows of the statement, in page order."""
    columns = _columns(index)
    out: list[Transaction] = []
    for page, rows in index.rows.items():
        for row in rows:
            text, placed = _row_text(index, row)
            words = [w for _, w in placed]
            lead = _leading_date(text, dayfirst)
            if lead is None:
                continue
            full, day, month, end = lead
            rest_amounts = [m for m in find_amounts(text) if m.start >= end]
            if not rest_amounts:
                continue
            when = full or _year_for(day, month, period)
            amount_m = rest_amounts[-2] if len(rest_amounts) >= 2 else rest_amounts[0]
            balance_m = rest_amounts[-1] if len(rest_amounts) >= 2 else None
            raw = amount_m.raw.strip()
            signed = raw.startswith(("-", "−", "(")) or raw.endswith("-") or amount_m.value < 0
            column = _column_of(_amount_words(placed, amount_m), columns.get(page, []))
            out.append(
                Transaction(
                    row=row,
                    day=when,
                    day_text=text[:end].strip(),
                    description=" ".join(text[end : amount_m.start].replace("|", " ").split()),
                    amount=amount_m.value,
                    signed=signed,
                    column=column,
                    balance=balance_m.value if balance_m else None,
                    words=words,
                )
            )
    return out


def resolve_signs(rows: list[Transaction], opening: Decimal | None) -> None:
    """Give every unsigned amount its sign: by its column, else by the running balance."""
    previous = opening
    for tx in rows:
        if not tx.signed:
            magnitude = abs(tx.amount)
            if tx.column == "debit":
                tx.amount = -magnitude
            elif tx.column == "credit":
                tx.amount = magnitude
            elif (
                previous is not None
                and tx.balance is not None
                and previous - magnitude == tx.balance
                and previous + magnitude != tx.balance
            ):
                tx.amount = -magnitude
        if tx.balance is not None:
            previous = tx.balance
        elif previous is not None:
            previous += tx.amount


def continuity(
    rows: list[Transaction], opening: Decimal | None, closing: Decimal | None
) -> Finding:
    """Check that the balances follow from the amounts; say where they do not."""
    if not rows or (opening is None and closing is None):
        return Finding(
            id="balance-unchecked",
            rule_id=UNCHECKED,
            severity=Severity.WARNING,
            passed=False,
            message="balance continuity not checked: no transactions or no balances were read",
            fields=["opening_balance", "closing_balance"],
        )
    breaks: list[str] = []
    running = opening
    for n, tx in enumerate(rows, start=1):
        if running is not None:
            running = (running + tx.amount).quantize(_CENT)
            if tx.balance is not None and running != tx.balance:
                breaks.append(
                    f"row {n} ({tx.day_text}): {running - tx.amount} {tx.amount:+} gives"
                    f" {running}, but the statement prints {tx.balance}"
                )
        if tx.balance is not None:
            running = tx.balance
    total = sum((tx.amount for tx in rows), Decimal(0))
    if opening is not None and closing is not None and (opening + total).quantize(_CENT) != closing:
        breaks.append(
            f"opening balance {opening} plus {len(rows)} transactions ({total:+}) gives"
            f" {(opening + total).quantize(_CENT)}, but the closing balance is {closing}"
        )
    if breaks:
        return Finding(
            id="balance-continuity",
            rule_id=CONTINUITY,
            severity=Severity.ERROR,
            passed=False,
            message="balances do not add up: "
            + "; ".join(breaks[:3])
            + (f" (and {len(breaks) - 3} more)" if len(breaks) > 3 else ""),
            fields=["opening_balance", "closing_balance"],
        )
    return Finding(
        id="balance-continuity",
        rule_id=CONTINUITY,
        severity=Severity.INFO,
        passed=True,
        message=f"opening balance plus {len(rows)} transactions gives the closing balance",
        fields=["opening_balance", "closing_balance"],
    )


def _cell(name: str, value: object, words: list[Word], page: int, conf: float) -> ExtractedField:
    box = union_all([w.box for w in words])
    return ExtractedField(
        name=name,
        value=value,  # type: ignore[arg-type]
        raw_text=" ".join(w.text for w in words),
        confidence=conf,
        provenance=Provenance(page=page, box=box, word_ids=[w.id for w in words]),
    )


def line_items(rows: list[Transaction]) -> list[LineItem]:
    """Return the transactions as line items: date, description, signed amount, balance."""
    items: list[LineItem] = []
    for n, tx in enumerate(rows):
        conf = 0.9 if (tx.signed or tx.column in ("debit", "credit")) else 0.6
        page = tx.row.page
        fields = {
            "description": _cell("description", tx.description, tx.words, page, conf),
            "amount": _cell("amount", tx.amount, tx.words, page, conf),
        }
        if tx.day is not None:
            fields["date"] = _cell("date", tx.day, tx.words[:1], page, conf)
        if tx.balance is not None:
            fields["balance"] = _cell("balance", tx.balance, tx.words[-1:], page, conf)
        prov = Provenance(page=page, box=tx.row.box, word_ids=[w.id for w in tx.words])
        items.append(LineItem(index=n, fields=fields, provenance=prov, confidence=conf))
    return items


def _period(fields: dict[str, ExtractedField]) -> tuple[dt.date, dt.date] | None:
    start, end = fields.get("period_start"), fields.get("period_end")
    if start and end and isinstance(start.value, dt.date) and isinstance(end.value, dt.date):
        return start.value, end.value
    return None


class BankStatementExtractor(ProofRules):
    """Extracts the bank statement schema and its transactions, and checks the balances."""

    doc_type: DocType = DocType.BANK_STATEMENT

    table = BANK_STATEMENT
    readers = READERS
    rule_version = VERSION

    def extract(self, pages: list[Page]) -> Extraction:
        """Return the statement's fields, its transactions and the continuity check."""
        index, dayfirst, cands = self.labelled(pages)
        for c in header_names(pages, self._labels):
            bonus = 0.25 if _BANK_WORD.search(str(c.value)) else 0.0
            cands["bank"].append(
                Candidate(
                    c.value, c.raw_text, min(0.95, c.score + bonus), c.page, c.word_ids, c.box
                )
            )
        for n, block in enumerate(address_blocks(pages)):
            name = block.name.text.strip(" ,")
            if person_like(name, loose=True):
                score = (0.7 if person_like(name) else 0.55) - 0.05 * n
                cands["account_holder"].append(
                    candidate_from_lines(name, [block.name], block.page, score)
                )
        for page, line in index.lines():
            for iban in find_ibans(line.text):
                cands["iban"].append(candidate_from_lines(iban, [line], page, 0.7, raw=line.text))
        cands["currency"].extend(currency_candidates(index))
        fields = split_period(to_fields(cands))
        rows = statement_rows(index, dayfirst, _period(fields))
        opening, closing = (
            amount_of(fields, "opening_balance"),
            amount_of(fields, "closing_balance"),
        )
        if opening is None and rows and rows[0].balance is not None:
            start = rows[0].balance - rows[0].amount if rows[0].signed else None
            opening = start
        resolve_signs(rows, opening)
        if closing is None and rows and rows[-1].balance is not None:
            closing = rows[-1].balance
        return Extraction(
            fields=fields,
            line_items=line_items(rows),
            findings=[continuity(rows, opening, closing)],
        )
