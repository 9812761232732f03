"""Invoice checks with explanations: the VAT breakdown, VAT rates, VAT ids, IBAN, due date.

Each rule is a pure function `document → findings` that looks only at invoices. A check
that fails is a warning (it blocks automatic approval: `pipeline/decide.py` lets only
`info` findings through); a check that could not run says so as `info`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.util import get_cc_module

from paperclerk.model import DocType, Document, Finding, Severity
from paperclerk.rules.vat_rates import TABLE_START, valid_rates

LINE_TOLERANCE = Decimal("0.01")
"""How far a rate line's tax may be from net × rate / 100 (the tax is rounded to cents)."""
PER_ITEM_ROUNDING = Decimal("0.005")
"""Extra allowance per invoice line at a rate, for a tax rounded line by line."""
SUM_TOLERANCE = Decimal("0.01")
"""How far the breakdown's sums may be from the stated total tax and subtotal."""

SUPPLY_LOOKBACK_DAYS = 183
"""An invoice may be issued up to six months after its supply (§ 14 UStG, Art. 222 of the
VAT directive), at the rate of the supply's day."""

_CENT = Decimal("0.01")
_PREFIX = re.compile(r"^([A-Za-z]{2})")
_IBAN_FORM = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{8,30}$")
_VAT_ID_FIELDS = {"vendor_tax_id": "seller", "customer_tax_id": "buyer"}
_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
"""VAT id prefixes that are not the country's ISO code (Greece; Northern Ireland)."""


def _is_invoice(doc: Document) -> bool:
    return doc.doc_type == DocType.INVOICE


def _dec(doc: Document, name: str) -> Decimal | None:
    value = doc.value(name)
    return value if isinstance(value, Decimal) else None


def _date(doc: Document, name: str) -> dt.date | None:
    value = doc.value(name)
    return value if isinstance(value, dt.date) else None


def _pct(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def _finding(
    fid: str, rule: str, passed: bool, message: str, fields: list[str], *, info: bool = False
) -> Finding:
    severity = Severity.INFO if passed or info else Severity.WARNING
    return Finding(
        id=fid, rule_id=rule, severity=severity, passed=passed, message=message, fields=fields
    )


def vat_breakdown(doc: Document) -> list[Finding]:
    """Check each VAT rate line (net × rate / 100 = tax) and the breakdown's sums.

    The tax of a rate line is its net times its rate, rounded to cents; an invoice that
    rounds each item's tax may be off by half a cent per item at that rate. The lines'
    taxes must add up to the total tax and their nets to the subtotal (EN 16931 BR-CO-14
    and the tax exclusive amount), when the invoice states them.
    """
    if not _is_invoice(doc) or not doc.tax_details:
        return []
    rule = "invoice.vat_breakdown"
    out: list[Finding] = []
    checked = 0
    for i, line in enumerate(doc.tax_details, start=1):
        if line.rate is None or line.net is None or line.tax is None:
            continue
        checked += 1
        expected = (line.net * line.rate / 100).quantize(_CENT)
        items = sum(1 for item in doc.line_items if item.value("tax_rate") == line.rate)
        tolerance = LINE_TOLERANCE + PER_ITEM_ROUNDING * items
        off = line.tax - expected
        if abs(off) > tolerance:
            out.append(
                _finding(
                    f"vat-breakdown-{i}",
                    rule,
                    False,
                    f"The {_pct(line.rate)} VAT line states tax {line.tax} on net {line.net}; "
                    f"{_pct(line.rate)} of {line.net} is {expected}, off by {off}",
                    ["tax_details"],
                )
            )
    taxes = [d.tax for d in doc.tax_details]
    nets = [d.net for d in doc.tax_details]
    for fid, what, name, values in (
        ("vat-breakdown-tax-sum", "taxes", "total_tax", taxes),
        ("vat-breakdown-net-sum", "net amounts", "subtotal", nets),
    ):
        stated = _dec(doc, name)
        if stated is None or any(v is None for v in values):
            continue
        checked += 1
        total = sum((v for v in values if v is not None), Decimal(0))
        if abs(total - stated) > SUM_TOLERANCE:
            out.append(
                _finding(
                    fid,
                    rule,
                    False,
                    f"The VAT lines' {what} add up to {total}, but the invoice's "
                    f"{name.replace('_', ' ')} is {stated} (off by {stated - total})",
                    ["tax_details", name],
                )
            )
    if not out and checked:
        out.append(
            _finding(
                "vat-breakdown",
                rule,
                True,
                "Every VAT line's tax matches its net and rate, and the lines add up",
                ["tax_details"],
            )
        )
    return out


def seller_countries(doc: Document) -> list[str]:
    """Return the seller's countries: its VAT id's prefix and its address's country.

    The VAT id says where the seller is registered for VAT, `extra.vendor_country` (the
    e-invoice's BT-40) where it is established; a seller may charge the VAT of either.
    """
    out: list[str] = []
    tax_id = doc.value("vendor_tax_id")
    if isinstance(tax_id, str):
        m = _PREFIX.match(tax_id.strip())
        if m is not None:
            prefix = m.group(1).upper()
            out.append(_PREFIX_COUNTRY.get(prefix, prefix))
    country = doc.extra.get("vendor_country")
    if country is not None and isinstance(country.value, str) and country.value.strip():
        code = country.value.strip().upper()
        if code not in out:
            out.append(code)
    return out


def _allowed(countries: list[str], day: dt.date | None) -> set[Decimal] | None:
    tables = [valid_rates(c, day) for c in countries]
    known = [t for t in tables if t is not None]
    return {r for t in known for r in t} if known else None


def vat_rate_valid(doc: Document) -> list[Finding]:
    """Check that every VAT rate is one the seller's country had on the invoice date.

    Rates come from `rules.vat_rates` (the EU's and HMRC's published rates); zero is always
    accepted. A rate in force only in the six months before the invoice date (an invoice
    may follow its supply by that long) is noted as `info`, not blocked. A country not in
    the table, no country, or a date before the table starts is reported as unchecked.
    """
    rates = [d.rate for d in doc.tax_details if d.rate is not None]
    rates += [r for item in doc.line_items if isinstance(r := item.value("tax_rate"), Decimal)]
    if not _is_invoice(doc) or not rates:
        return []
    rule = "invoice.vat_rate_valid"
    countries = seller_countries(doc)
    names = " or ".join(countries)
    day = _date(doc, "invoice_date")
    allowed = _allowed(countries, day)
    if allowed is None or (day is not None and day < TABLE_START):
        why = (
            f"for {names}"
            if countries and allowed is None
            else "without the seller's country"
            if not countries
            else f"for an invoice dated before {TABLE_START.isoformat()}"
        )
        return [
            _finding(
                "vat-rate",
                rule,
                True,
                f"The VAT rates could not be checked {why}",
                ["vendor_tax_id"],
                info=True,
            )
        ]
    when = f" on {day.isoformat()}" if day else ""
    wrong = sorted({r for r in rates if r not in allowed})
    if not wrong:
        return [
            _finding(
                "vat-rate",
                rule,
                True,
                f"Every VAT rate is one {names} applied{when}",
                ["tax_details"],
            )
        ]
    earlier = set()
    if day is not None:
        for back in range(1, SUPPLY_LOOKBACK_DAYS + 1):
            earlier |= _allowed(countries, day - dt.timedelta(days=back)) or set()
    listed = ", ".join(_pct(r) for r in sorted(allowed))
    out: list[Finding] = []
    for r in wrong:
        if r in earlier:
            out.append(
                _finding(
                    f"vat-rate-{_pct(r)}",
                    rule,
                    False,
                    f"A VAT rate of {_pct(r)} no longer applied in {names}{when} ({listed}); "
                    "it is right only if the supply was made before the rate changed",
                    ["tax_details", "invoice_date"],
                    info=True,
                )
            )
        else:
            out.append(
                _finding(
                    f"vat-rate-{_pct(r)}",
                    rule,
                    False,
                    f"A VAT rate of {_pct(r)} is not one {names} applied{when} ({listed})",
                    ["tax_details", "invoice_date"],
                )
            )
    return out


def _vat_module(country: str) -> ModuleType | None:
    if country.lower() in eu_vat.MEMBER_STATES or country == "EL":
        return eu_vat
    module = get_cc_module(country.lower(), "vat")
    return module if isinstance(module, ModuleType) else None


def vat_id_valid(doc: Document) -> list[Finding]:
    """Check the seller's and buyer's VAT ids (format and check digits) with python-stdnum.

    An id without a country prefix (a national tax number), or from a country stdnum has
    no VAT module for, is reported as unchecked. This checks the number's form, not that
    the tax office issued it (that is the EU's VIES service, which needs the network).
    """
    if not _is_invoice(doc):
        return []
    out: list[Finding] = []
    for name, party in _VAT_ID_FIELDS.items():
        value = doc.value(name)
        if not isinstance(value, str) or not value.strip():
            continue
        number = value.strip()
        m = _PREFIX.match(number)
        module = _vat_module(m.group(1).upper()) if m else None
        if module is None:
            out.append(
                _finding(
                    f"vat-id-{name}",
                    "invoice.vat_id_valid",
                    True,
                    f"The {party}'s VAT id {number} could not be checked "
                    "(no country prefix that python-stdnum knows)",
                    [name],
                    info=True,
                )
            )
            continue
        try:
            module.validate(number)
        except ValidationError as err:
            out.append(
                _finding(
                    f"vat-id-{name}",
                    "invoice.vat_id_valid",
                    False,
                    f"The {party}'s VAT id {number} is not valid: {_reason(err)}",
                    [name],
                )
            )
            continue
        out.append(
            _finding(
                f"vat-id-{name}",
                "invoice.vat_id_valid",
                True,
                f"The {party}'s VAT id {number} has a valid form and check digit",
                [name],
            )
        )
    return out


def _reason(err: ValidationError) -> str:
    kind = type(err).__name__
    return {
        "InvalidChecksum": "it fails its check digit",
        "InvalidLength": "it has the wrong length",
        "InvalidFormat": "it has the wrong format",
        "InvalidComponent": "a part of it is not possible",
    }.get(kind, str(err).lower().rstrip("."))


def iban_valid(doc: Document) -> list[Finding]:
    """Check the seller's IBAN (country, length, structure, check digits) with schwifty.

    A payee account that is not in IBAN form (an e-invoice's proprietary account id) is
    reported as unchecked.
    """
    value = doc.value("vendor_iban")
    if not _is_invoice(doc) or not isinstance(value, str) or not value.strip():
        return []
    compact = re.sub(r"[\s-]", "", value).upper()
    rule = "invoice.iban_valid"
    if not _IBAN_FORM.match(compact):
        return [
            _finding(
                "iban",
                rule,
                True,
                f"The seller's account {value} is not an IBAN and could not be checked",
                ["vendor_iban"],
                info=True,
            )
        ]
    try:
        IBAN(compact)
    except SchwiftyException as err:
        return [
            _finding(
                "iban",
                rule,
                False,
                f"The seller's IBAN {compact} is not valid: {str(err).rstrip('.')}",
                ["vendor_iban"],
            )
        ]
    return [_finding("iban", rule, True, f"The seller's IBAN {compact} is valid", ["vendor_iban"])]


def due_after_issue(doc: Document) -> list[Finding]:
    """Check that the invoice is not due before it was issued (a misread or wrong date)."""
    issued, due = _date(doc, "invoice_date"), _date(doc, "due_date")
    if not _is_invoice(doc) or issued is None or due is None:
        return []
    ok = due >= issued
    message = (
        f"Due {due.isoformat()}, on or after the invoice date {issued.isoformat()}"
        if ok
        else f"The due date {due.isoformat()} is before the invoice date {issued.isoformat()}"
    )
    return [_finding("due-after-issue", "invoice.due_after_issue", ok, message, ["due_date"])]


INVOICE_RULES: list[Callable[[Document], list[Finding]]] = [
    vat_breakdown,
    vat_rate_valid,
    vat_id_valid,
    iban_valid,
    due_after_issue,
]
"""The invoice checks, in the order `rules.basic.RULES` runs them."""
