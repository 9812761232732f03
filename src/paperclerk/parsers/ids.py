"""Identifiers in OCR text: IBANs, VAT / GST / SST registration numbers and phone numbers.

IBANs and VAT ids are validated with schwifty and python-stdnum (checksums, per-country
lengths), so a candidate that merely looks right is dropped.  OCR often splits these ids into
groups or glues the next word to them, so each candidate is tried with fewer and fewer of its
trailing groups until a valid id is found.
"""

from __future__ import annotations

import re

from schwifty import IBAN
from stdnum import vatin
from stdnum.exceptions import InvalidChecksum

_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{1,4}){3,9}")
_IBAN_MIN, _IBAN_MAX = 15, 34


def _valid_iban(candidate: str) -> str | None:
    try:
        return str(IBAN(candidate).compact)
    except ValueError:
        return None


def find_ibans(text: str) -> list[str]:
    """Return the valid IBANs in the text, upper-case without spaces, in order."""
    out: list[str] = []
    for m in _IBAN_RE.finditer(text):
        compact = re.sub(r"[ \-]", "", m.group(0)).upper()
        for length in range(min(len(compact), _IBAN_MAX), _IBAN_MIN - 1, -1):
            iban = _valid_iban(compact[:length])
            if iban:
                if iban not in out:
                    out.append(iban)
                break
    return out


# Country prefixes of VAT ids (EU, Northern Ireland, UK, Switzerland, Norway).
_VAT_COUNTRIES = (
    "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI|GB|CHE|NO"
)
# A VAT id: country prefix then digit/letter groups; a lookahead so that matches may overlap
# ("TVA FR403..." must still try "FR403...").
_VAT_RE = re.compile(
    rf"(?<![A-Z0-9])(?=(?P<cc>{_VAT_COUNTRIES})[ \-.]?"
    r"(?P<body>\d(?:[ \-.]?[0-9A-Z]){5,14}))"
)
_GST_RE = re.compile(
    r"\bGST\s*(?:REG(?:ISTRATION)?\.?\s*)?(?:NO|ID|NUMBER|NUM|#)?\s*\.?\s*[:.]?\s*"
    r"(?P<num>\d(?:[\s\-]?\d){9,13})(?!\d)",
    re.IGNORECASE,
)
_SST_RE = re.compile(
    r"\bSST\s*(?:REG(?:ISTRATION)?\.?\s*)?(?:NO|ID|NUMBER|#)?\s*\.?\s*[:.]?\s*"
    r"(?P<num>[A-Z]\d{2}-\d{4}-\d{8}|\d{10,16})",
    re.IGNORECASE,
)


def _valid_vat(country: str, body: str) -> str | None:
    """Validate ``country + body`` with stdnum, dropping trailing characters OCR glued on."""
    compact = re.sub(r"[ \-.]", "", body)
    for length in range(len(compact), 1, -1):
        candidate = country + compact[:length]
        try:
            if vatin.is_valid(candidate):
                return re.sub(r"(MWST|TVA|IVA)$", "", str(vatin.compact(candidate)))
        except Exception:  # stdnum raises assorted errors for odd input; try the next one
            continue
    return None


def find_vat_ids(text: str) -> list[str]:
    """Return VAT ids (validated, compact, with country prefix) and GST/SST numbers.

    Malaysian GST numbers (``GST NO: 000800589824``) come back as digits, SST numbers
    (``SST ID: W10-1808-32000123``) as printed; neither has a public checksum.
    """
    out: list[str] = []
    for m in _VAT_RE.finditer(text.upper()):
        vat = _valid_vat(m.group("cc"), m.group("body"))
        if vat and vat not in out:
            out.append(vat)
    for regex in (_GST_RE, _SST_RE):
        for m in regex.finditer(text):
            num = m.group("num")
            value = re.sub(r"[\s\-]", "", num) if regex is _GST_RE else num.upper()
            if value not in out:
                out.append(value)
    return out


def find_vat_shaped(text: str) -> list[str]:
    """Return VAT ids of the right form whose check digit fails (compact, with prefix).

    What a test invoice prints (``DE123456789``) or a typo on a real one: not a valid
    VAT id, so never taken for one silently, but worth reading so that a check can say so.
    """
    out: list[str] = []
    for m in _VAT_RE.finditer(text.upper()):
        candidate = m.group("cc") + re.sub(r"[ \-.]", "", m.group("body"))
        try:
            vatin.validate(candidate)
        except InvalidChecksum:
            if candidate not in out:
                out.append(candidate)
        except Exception:  # another form, length or an odd input: not a VAT id at all
            continue
    return out


_PHONE_LABEL = re.compile(
    r"(?:\b(?:tel|tél|phone|ph|fax|mobile|mob|hp|telefon|telephone|téléphone|tfno|tlf|"
    r"telp|call|t|f|m)\b\.?\s*(?:no\.?|nr\.?)?\s*[:.]?\s*)$",
    re.IGNORECASE,
)
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d{1,4}\)?(?:[ \-./]?\(?\d{2,5}\)?){1,5}(?!\w)")
_DIGITS_MIN, _DIGITS_MAX = 7, 15


def find_phones(text: str) -> list[str]:
    """Return phone and fax numbers as printed (``07-386 7524``, ``+49 30 1234567``).

    A digit run counts as a phone number when it has 7-15 digits and either follows a label
    (Tel, Phone, Fax...), starts with ``+``/``00`` or an area code in brackets, or starts with
    ``0`` and is split into groups — dates, amounts and plain ids are not phone numbers.
    """
    out: list[str] = []
    for m in _PHONE_RE.finditer(text):
        raw = m.group(0).strip(" -./")
        digits = re.sub(r"\D", "", raw)
        if not _DIGITS_MIN <= len(digits) <= _DIGITS_MAX:
            continue
        if re.fullmatch(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}", raw):
            continue
        labelled = bool(_PHONE_LABEL.search(text[: m.start()]))
        grouped = bool(re.search(r"[ \-./()]", raw))
        intl = raw.startswith(("+", "(")) or (bool(re.match(r"00[1-9]", raw)) and grouped)
        local = raw.startswith("0") and grouped and "." not in raw[-3:-2]
        if labelled or intl or local:
            out.append(raw)
    return out
