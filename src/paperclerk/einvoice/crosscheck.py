"""Cross-check a Factur-X/ZUGFeRD PDF's visible text against the values of its embedded XML.

A hybrid invoice carries the same invoice twice: as a picture (the PDF pages a person reads) and
as data (the CII XML a machine books). Nothing forces the two to agree; when they do not, what the
buyer approved is not what gets booked. This module checks that the key values of the XML are
printed on the pages.

Interface (independent of how the XML was read): `xml_values` maps a field name to the XML's
value; the known fields are

- `invoice_number` (BT-1): str, matched as text (case and spacing ignored);
- `issue_date` (BT-2): `datetime.date`, or str as CII (`YYYYMMDD`) or UBL (`YYYY-MM-DD`) write it;
- `grand_total` (BT-112), `amount_due` (BT-115), `tax_total` (BT-110): `Decimal`, int, float or
  str (`963.11`).

Other field names are accepted too: a date or number value is matched as such, a str as text.
`None` or an empty value is skipped (the XML has no such value). `page_text` is the PDF's text
layer, one str for the whole document or one str per page (e.g. the words of each page's text
layer joined with spaces).

Amounts are found in any of the usual printed forms (1234.56, 1,234.56, 1.234,56, 1 234,56,
1'234.56; sign ignored), dates in the common numeric and spelt-out forms (26.10.2022, 26/10/2022,
10/26/2022, 2022-10-26, 26. Oktober 2022, October 26, 2022, 26 oct. 2022 ...).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from paperclerk.model.decision import Finding, Severity

XmlValue = str | Decimal | int | float | dt.date | None
"""A value read from the e-invoice XML."""

RULE_ID = "einvoice.visible_mismatch"
"""Rule id of a value of the XML that the PDF's text does not show."""

RULE_ID_UNCHECKED = "einvoice.visible_unchecked"
"""Rule id when there is no text layer to compare with (a scanned picture)."""

FIELD_LABELS: dict[str, str] = {
    "invoice_number": "invoice number (BT-1)",
    "issue_date": "issue date (BT-2)",
    "tax_total": "tax total (BT-110)",
    "grand_total": "grand total (BT-112)",
    "amount_due": "amount due (BT-115)",
}
"""Plain-language names of the fields this check knows."""

AMOUNT_FIELDS = frozenset({"grand_total", "amount_due", "tax_total"})
DATE_FIELDS = frozenset({"issue_date"})

_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "januar", "jänner", "janvier", "janv"),
    2: ("february", "feb", "februar", "février", "fevrier", "févr", "fevr"),
    3: ("march", "mar", "märz", "maerz", "mars"),
    4: ("april", "apr", "avril", "avr"),
    5: ("may", "mai"),
    6: ("june", "jun", "juni", "juin"),
    7: ("july", "jul", "juli", "juillet", "juil"),
    8: ("august", "aug", "août", "aout"),
    9: ("september", "sep", "sept", "septembre"),
    10: ("october", "oct", "oktober", "okt", "octobre"),
    11: ("november", "nov", "novembre"),
    12: ("december", "dec", "dezember", "dez", "décembre", "decembre", "déc"),
}

# An amount as printed: digits with optional thousands groups (space, dot, comma, apostrophe,
# no-break spaces) and optional decimals. A second, separator-free pattern catches numbers that
# the grouping pattern glued to a neighbour ("2 963,11" is also "963,11").
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:[ .,'\u00a0\u202f]\d{3})+(?:[.,]\d{1,4})?(?![\d])")
_PLAIN = re.compile(r"(?<![\d])\d+(?:[.,]\d{1,4})?(?![\d])")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,4})[./-](\d{1,2})[./-](\d{2,4})(?!\d)")


@dataclass(frozen=True)
class VisibleCheck:
    """The outcome of looking for one XML value in the visible text."""

    field: str
    xml_value: str
    found: bool
    closest: str | None = None


def _as_decimal(value: XmlValue) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | dt.date):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _as_date(value: XmlValue) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y%m%d", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(text[:10], fmt).date()
            except ValueError:
                continue
    return None


def amount_readings(token: str) -> set[Decimal]:
    """Every amount a printed number can stand for (`1,234` is 1234 or 1.234).

    Separators: when both `.` and `,` occur, the last one is the decimal mark; a single mark
    followed by exactly three digits is ambiguous and gives both readings; spaces and
    apostrophes are thousands separators.
    """
    compact = re.sub(r"[ '\u00a0\u202f]", "", token)
    if not compact or not compact[0].isdigit():
        return set()
    marks = [c for c in compact if c in ".,"]
    readings: set[str] = set()
    if not marks:
        readings.add(compact)
    elif len(set(marks)) == 2:
        decimal_mark = compact[max(compact.rfind("."), compact.rfind(","))]
        thousands = "," if decimal_mark == "." else "."
        readings.add(compact.replace(thousands, "").replace(decimal_mark, "."))
    else:
        mark = marks[0]
        whole, _, tail = compact.rpartition(mark)
        if len(marks) > 1:
            readings.add(compact.replace(mark, ""))
            if len(tail) != 3:  # 1.234.56 is odd; read the last mark as decimal too
                readings.add(whole.replace(mark, "") + "." + tail)
        elif len(tail) == 3:
            readings.add(whole + tail)
            readings.add(whole + "." + tail)
        else:
            readings.add(whole + "." + tail)
    out: set[Decimal] = set()
    for reading in readings:
        try:
            out.add(Decimal(reading))
        except InvalidOperation:
            continue
    return out


def printed_amounts(text: str) -> list[tuple[str, Decimal]]:
    """Every (printed token, amount) pair in a text, with all readings of ambiguous tokens."""
    out: list[tuple[str, Decimal]] = []
    for pattern in (_GROUPED, _PLAIN):
        for match in pattern.finditer(text):
            token = match.group(0)
            out.extend((token, value) for value in amount_readings(token))
    return out


def _month_names(month: int) -> tuple[str, ...]:
    return _MONTHS[month]


def date_forms(day: dt.date) -> set[str]:
    """List the ways a date is commonly printed, casefolded and without spaces."""
    d, m, y = day.day, day.month, day.year
    yy = f"{y % 100:02d}"
    numeric_parts = [
        (f"{d:02d}", f"{m:02d}", str(y)),
        (str(d), str(m), str(y)),
        (f"{d:02d}", f"{m:02d}", yy),
        (str(d), str(m), yy),
    ]
    forms: set[str] = set()
    for dd, mm, year in numeric_parts:
        for sep in ".", "/", "-":
            forms.add(f"{dd}{sep}{mm}{sep}{year}")  # day first (Europe)
            forms.add(f"{mm}{sep}{dd}{sep}{year}")  # month first (US)
    for sep in "-", "/", ".":
        forms.add(f"{y}{sep}{m:02d}{sep}{d:02d}")
    forms.add(f"{y}{m:02d}{d:02d}")
    for name in _month_names(m):
        for dd in (str(d), f"{d:02d}"):
            forms.update(
                {
                    f"{dd}{name}{y}",
                    f"{dd}.{name}{y}",
                    f"{dd}{name}.{y}",
                    f"{dd}.{name}.{y}",
                    f"{dd}-{name}-{y}",
                    f"{dd}-{name}.-{y}",
                    f"{name}{dd},{y}",
                    f"{name}.{dd},{y}",
                    f"{name}{dd}{y}",
                    f"{dd}{name}{yy}" if len(name) <= 4 else f"{dd}{name}{y}",
                    f"{dd}-{name}-{yy}",
                }
            )
        forms.add(f"1er{name}{y}" if d == 1 else f"{d}{name}{y}")
    return {form.casefold() for form in forms}


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text.casefold())


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _bounded_in(needle: str, haystack: str) -> bool:
    pattern = r"(?<![0-9a-z])" + re.escape(needle) + r"(?![0-9a-z])"
    return re.search(pattern, haystack) is not None


def _loosely_in(needle: str, haystack: str) -> bool:
    """Whether `needle` (no spaces) occurs in `haystack` with any spacing between its characters.

    Text layers often split a value ("26. 10. 2022", "RE- 2022-1"); the match must still not
    start or end inside a longer word or number.
    """
    body = r"\s*".join(re.escape(ch) for ch in needle if not ch.isspace())
    pattern = r"(?<![0-9a-z])" + body + r"(?![0-9a-z])"
    return re.search(pattern, haystack) is not None


def printed_dates(text: str) -> list[tuple[str, dt.date]]:
    """Numeric dates printed in a text (day-first, month-first and ISO readings)."""
    out: list[tuple[str, dt.date]] = []
    for match in _NUMERIC_DATE.finditer(text):
        a, b, c = (int(g) for g in match.groups())
        candidates: list[tuple[int, int, int]] = []
        if len(match.group(1)) == 4:
            candidates.append((a, b, c))
        else:
            year = c + 2000 if c < 100 else c
            candidates.extend([(year, b, a), (year, a, b)])
        for year, month, day in candidates:
            try:
                out.append((match.group(0), dt.date(year, month, day)))
            except ValueError:
                continue
    return out


def _check_amount(name: str, value: Decimal, text: str) -> VisibleCheck:
    shown = printed_amounts(text)
    target = abs(value)
    if any(abs(amount) == target for _, amount in shown):
        return VisibleCheck(name, str(value), True)
    closest = min(shown, key=lambda pair: abs(abs(pair[1]) - target), default=None)
    return VisibleCheck(name, str(value), False, closest[0] if closest else None)


def _check_date(name: str, value: dt.date, text: str) -> VisibleCheck:
    folded = text.casefold()
    if any(_loosely_in(form, folded) for form in date_forms(value)):
        return VisibleCheck(name, value.isoformat(), True)
    shown = printed_dates(text)
    closest = min(shown, key=lambda pair: abs((pair[1] - value).days), default=None)
    return VisibleCheck(name, value.isoformat(), False, closest[0] if closest else None)


def _check_text(name: str, value: str, text: str) -> VisibleCheck:
    needle = _normal(value)
    if _bounded_in(needle, _normal(text)) or _loosely_in(_compact(value), text.casefold()):
        return VisibleCheck(name, value, True)
    tokens = {token.strip(".,;:()[]") for token in text.split()}
    close = difflib.get_close_matches(value, sorted(t for t in tokens if t), n=1, cutoff=0.6)
    return VisibleCheck(name, value, False, close[0] if close else None)


def compare_visible(
    xml_values: Mapping[str, XmlValue], page_text: str | Sequence[str]
) -> list[VisibleCheck]:
    """Look for each XML value in the visible text; one result per non-empty value.

    See the module docstring for the accepted fields and value types.
    """
    text = page_text if isinstance(page_text, str) else "\n".join(page_text)
    results: list[VisibleCheck] = []
    for name, raw in xml_values.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if name in DATE_FIELDS or isinstance(raw, dt.date):
            day = _as_date(raw)
            if day is not None:
                results.append(_check_date(name, day, text))
                continue
        if name in AMOUNT_FIELDS or isinstance(raw, Decimal | int | float):
            amount = _as_decimal(raw)
            if amount is not None:
                results.append(_check_amount(name, amount, text))
                continue
        results.append(_check_text(name, str(raw).strip(), text))
    return results


def crosscheck_visible_text(
    xml_values: Mapping[str, XmlValue], page_text: str | Sequence[str]
) -> list[Finding]:
    """Return a finding for each XML value the PDF's visible text does not show.

    Why: a Factur-X PDF whose picture says 963,12 while its XML says 963.11 shows the buyer one
    invoice and books another. A missing or different amount is an error (it blocks automatic
    approval); a missing invoice number or date is a warning. With no text at all (a scanned
    picture) one `einvoice.visible_unchecked` info finding says the check could not be made.
    """
    text = page_text if isinstance(page_text, str) else "\n".join(page_text)
    if not text.strip():
        return [
            Finding(
                id="visible-unchecked",
                rule_id=RULE_ID_UNCHECKED,
                severity=Severity.INFO,
                passed=False,
                message="The PDF has no text layer: its printed values were not compared "
                "with the XML.",
            )
        ]
    findings: list[Finding] = []
    for check in compare_visible(xml_values, text):
        if check.found:
            continue
        label = FIELD_LABELS.get(check.field, check.field)
        closest = (
            f"the closest printed value is {check.closest}"
            if check.closest
            else "nothing like it is printed"
        )
        findings.append(
            Finding(
                id=f"visible-mismatch-{len(findings) + 1}",
                rule_id=RULE_ID,
                severity=Severity.ERROR if check.field in AMOUNT_FIELDS else Severity.WARNING,
                passed=False,
                message=f"The {label} in the XML is {check.xml_value}, but the PDF does not "
                f"print it; {closest}.",
                fields=[check.field],
            )
        )
    return findings
