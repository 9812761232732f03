"""Supplier records: normalising and validating them, and reading them from a CSV export.

VAT ids are validated with python-stdnum and IBANs with schwifty; a row that fails is
reported with its line number and the reasons, never silently dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

CSV_COLUMNS = (
    "supplier_number",
    "name",
    "vat_id",
    "iban",
    "address",
    "postcode",
    "city",
    "country",
)
"""The header of a supplier CSV; `supplier_number` and `name` are required columns."""
REQUIRED_COLUMNS = ("supplier_number", "name")
MAX_ROWS = 100_000
"""Rows one import may hold: a supplier master, not a data dump."""
MAX_IBANS = 20
_SEPARATORS = re.compile(r"[\s.\-/]+")
_EU = frozenset(s.upper() for s in eu_vat.MEMBER_STATES) | {"EL"}


class SupplierIn(BaseModel):
    """A supplier as sent by the ERP (one CSV row, or one item of `POST /v1/suppliers`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    supplier_number: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00]*$")
    name: str = Field(min_length=1, max_length=300, pattern=r"^[^\x00]*$")
    vat_id: str | None = Field(None, max_length=32, pattern=r"^[^\x00]*$")
    ibans: list[str] = Field(default_factory=list, max_length=MAX_IBANS)
    address: str | None = Field(None, max_length=500, pattern=r"^[^\x00]*$")
    postcode: str | None = Field(None, max_length=32, pattern=r"^[^\x00]*$")
    city: str | None = Field(None, max_length=200, pattern=r"^[^\x00]*$")
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")


def normalise_vat_id(value: str | None) -> str | None:
    """Return a VAT id upper-cased without spaces or separators (None when empty).

    Documents and the ERP write the same id differently (`DE 136 695 976`, `de136695976`),
    so both sides are compared in this form.
    """
    if value is None:
        return None
    compact = _SEPARATORS.sub("", value).upper()
    return compact or None


def normalise_iban(value: str | None) -> str | None:
    """Return an IBAN in compact upper-case form without validating it (None when empty)."""
    if value is None:
        return None
    compact = re.sub(r"\s+", "", value).upper()
    return compact or None


def vat_id_problem(value: str) -> str | None:
    """Return why a normalised VAT id is not valid, or None when python-stdnum accepts it.

    The id must start with its country code (`DE…`, `FR…`, `EL…` for Greece); EU ids are
    checked by `stdnum.eu.vat`, others by the country's `vat` module when stdnum has one.
    """
    country = value[:2]
    if not country.isalpha():
        return f"VAT id {value!r} does not start with a country code"
    try:
        if country in _EU or country == "XI":
            valid = bool(eu_vat.is_valid(value))
        else:
            module = get_cc_module(country.lower(), "vat")
            if module is None:
                return f"VAT ids of country {country} cannot be validated"
            valid = bool(module.is_valid(value)) or bool(module.is_valid(value[2:]))
    except StdnumError:
        valid = False
    return None if valid else f"VAT id {value!r} is not valid"


def iban_problem(value: str) -> str | None:
    """Return why a normalised IBAN is not valid, or None when schwifty accepts it."""
    try:
        IBAN(value)
    except SchwiftyException as exc:
        return f"IBAN {value!r} is not valid ({exc})"
    return None


@dataclass
class Checked:
    """A supplier normalised, with every problem found (valid when there is none)."""

    supplier: SupplierIn
    problems: list[str] = field(default_factory=list)


def check_supplier(raw: SupplierIn) -> Checked:
    """Normalise a supplier (VAT id, IBANs, country) and validate its VAT id and IBANs."""
    vat_id = normalise_vat_id(raw.vat_id)
    ibans = [i for i in (normalise_iban(v) for v in raw.ibans) if i]
    problems = []
    if vat_id is not None and (problem := vat_id_problem(vat_id)):
        problems.append(problem)
    problems += [p for p in (iban_problem(i) for i in ibans) if p]
    supplier = raw.model_copy(
        update={
            "vat_id": vat_id,
            "ibans": list(dict.fromkeys(ibans)),
            "country": raw.country.upper() if raw.country else None,
            "address": raw.address or None,
            "postcode": raw.postcode or None,
            "city": raw.city or None,
        }
    )
    return Checked(supplier, problems)


@dataclass(frozen=True)
class Rejected:
    """A row or item that was not imported: where it is (CSV line or list index) and why."""

    line: int
    supplier_number: str | None
    reasons: list[str]


@dataclass
class Parsed:
    """The suppliers a CSV or a list holds: those valid, and those rejected with reasons."""

    valid: list[SupplierIn] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class CsvFormatError(ValueError):
    """The CSV cannot be read at all (no header, a required column missing, too many rows)."""


def _cell(row: dict[str | None, str | list[str] | None], name: str) -> str | None:
    value = row.get(name)
    return value.strip() or None if isinstance(value, str) else None


def csv_reader(text: str, required: Sequence[str], columns: Sequence[str]) -> csv.DictReader[str]:
    """Return a reader of an import CSV whose header names are trimmed and lower-cased.

    Raise `CsvFormatError` when the header cannot be read or lacks a `required` column
    (the message lists the `columns` the import knows), so every import refuses alike.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise CsvFormatError(f"the CSV header cannot be read: {exc}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvFormatError(
            f"the CSV header lacks {', '.join(missing)} (columns: {', '.join(columns)})"
        )
    reader.fieldnames = header
    return reader


def parse_csv(text: str) -> Parsed:
    """Read a supplier CSV (header first, `;` between several IBANs) and check every row.

    Line numbers are the file's (the header is line 1), so a rejected row can be found and
    fixed in the export. A supplier number seen twice keeps the first row and rejects the
    later one. Raise `CsvFormatError` when there is no usable header.
    """
    reader = csv_reader(text, REQUIRED_COLUMNS, CSV_COLUMNS)
    header = list(reader.fieldnames or [])
    out = Parsed()
    seen: dict[str, int] = {}
    count = 0
    try:
        for row in reader:
            count += 1
            if count > MAX_ROWS:
                raise CsvFormatError(f"a supplier CSV holds at most {MAX_ROWS} rows")
            line = reader.line_num
            number = _cell(row, "supplier_number")
            if not any(_cell(row, c) for c in header):
                continue  # a blank line
            reasons: list[str] = []
            if None in row:
                reasons.append("the row has more cells than the header")
            if number is not None and number in seen:
                reasons.append(f"supplier_number {number!r} is on line {seen[number]} already")
            else:
                _check_row(row, number, out, reasons)
            if reasons:
                out.rejected.append(Rejected(line, number, reasons))
            elif number is not None:
                seen[number] = line
    except csv.Error as exc:
        raise CsvFormatError(f"line {reader.line_num}: {exc}") from None
    return out


def _check_row(
    row: dict[str | None, str | list[str] | None],
    number: str | None,
    out: Parsed,
    reasons: list[str],
) -> None:
    """Validate one CSV row; append it to `out.valid`, or its reasons to `reasons`."""
    ibans = [i.strip() for i in (_cell(row, "iban") or "").split(";") if i.strip()]
    values = {
        "supplier_number": number or "",
        "name": _cell(row, "name") or "",
        "vat_id": _cell(row, "vat_id"),
        "ibans": ibans,
        "address": _cell(row, "address"),
        "postcode": _cell(row, "postcode"),
        "city": _cell(row, "city"),
        "country": _cell(row, "country"),
    }
    try:
        raw = SupplierIn.model_validate(values)
    except ValueError as exc:
        reasons += _validation_reasons(exc)
        return
    checked = check_supplier(raw)
    if checked.problems:
        reasons += checked.problems
        return
    if not reasons:
        out.valid.append(checked.supplier)


def _validation_reasons(exc: ValueError) -> list[str]:
    """Return one readable reason per field a pydantic validation error names."""
    errors = getattr(exc, "errors", None)
    if errors is None:
        return [str(exc)]
    return [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in errors()]


def check_list(items: list[SupplierIn]) -> Parsed:
    """Check suppliers sent as a list (the API); `line` of a rejection is the item's index."""
    out = Parsed()
    seen: set[str] = set()
    for index, item in enumerate(items):
        checked = check_supplier(item)
        reasons = list(checked.problems)
        if item.supplier_number in seen:
            reasons.append(f"supplier_number {item.supplier_number!r} is in the list already")
        if reasons:
            out.rejected.append(Rejected(index, item.supplier_number, reasons))
        else:
            seen.add(item.supplier_number)
            out.valid.append(checked.supplier)
    return out


def mask_iban(iban: str) -> str:
    """Return an IBAN with all but its last 4 characters masked (`****3000`)."""
    return "*" * max(len(iban) - 4, 0) + iban[-4:]
