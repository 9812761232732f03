"""Write an invoice `Document` as a UBL 2.1 Invoice (or CreditNote) under EN 16931.

The XML is built with lxml from the invoice schema's fields (`invoice_number`, `vendor_name`,
`tax_details`, line items, ...) and the `extra` terms the e-invoice readers keep (party
postcode/city/country, `line_total`, `prepaid_amount`, `buyer_reference`), whatever the
document's source: e-invoice XML, a PDF's text layer, OCR, or a reviewer's corrections.

What the model does not hold is derived, never invented:

* the VAT category code where the document has none (an e-invoice's BT-118/BT-151 are
  kept): `S` for a rate above zero; `Z` for a zero rate (`O`, "not subject to VAT", when
  no party has a VAT id and every rate is zero); an exemption reason (BT-120) for `E`,
  `AE`, `K`, `G` and `O` when the document gives neither reason nor code (BR-E-10 …);
* a document-level allowance or charge per VAT rate for the difference between that rate's
  taxable amount and the sum of its line amounts (the model keeps no allowances), so the
  EN 16931 sums (BR-CO-13, BR-S-08) hold again;
* a payable rounding amount for the difference between the amount due and total − prepaid;
* a party's country from its VAT id prefix when no country was read (`EL` is Greece);
* missing header sums from the others (net = total − VAT, VAT = the breakdown's sum, ...),
  a line's missing quantity as 1, its unit as `C62` (one), its price as amount / quantity,
  and a negative price as a positive one on a negative quantity (BR-27).

Data EN 16931 requires that the document lacks (an OCR'd invoice without the seller's VAT id
or country, say) is left out, and the export is still written: `validate_en16931` on the
bytes then names each missing term (`en16931.BR-...` findings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from paperclerk.export.values import (
    cell_decimal,
    cell_text,
    date,
    decimal,
    line_amount,
    money,
    text,
)
from paperclerk.model import VAT_CATEGORIES, Document
from paperclerk.model.fields import LineItem

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
"""BT-24: EN 16931 core, Peppol BIS Billing 3.0."""

PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
"""BT-23: the Peppol billing process."""

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

CREDIT_NOTE_CODE = "381"
DEFAULT_UNIT = "C62"
_UNIT_WORDS = {
    "pc": "H87", "pcs": "H87", "piece": "H87", "pieces": "H87", "stk": "H87", "stück": "H87",
    "ea": "EA", "each": "EA", "h": "HUR", "hr": "HUR", "hrs": "HUR", "hour": "HUR",
    "hours": "HUR", "std": "HUR", "kg": "KGM", "g": "GRM", "l": "LTR", "m": "MTR",
    "km": "KMT", "day": "DAY", "days": "DAY", "tag": "DAY", "tage": "DAY", "month": "MON",
}  # fmt: skip
_UNIT_CODE = re.compile(r"^[A-Z0-9]{2,3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass
class _VatGroup:
    """One VAT breakdown (BG-23): rate, category, taxable amount and tax amount."""

    rate: Decimal | None
    category: str
    net: Decimal
    tax: Decimal
    adjustment: Decimal = Decimal(0)
    exemption_reason: str | None = None
    exemption_code: str | None = None
    """Taxable amount − the sum of this rate's line amounts: a document allowance/charge."""


def _cbc(
    parent: etree._Element, tag: str, value: str | None = None, **attrs: str
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NS_CBC}}}{tag}", attrib=attrs or None)
    if value is not None:
        el.text = value
    return el


def _cac(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NS_CAC}}}{tag}")


def _amount(value: Decimal) -> str:
    return format(money(value), "f")


def _number(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral() else value, "f")


def unit_code(unit: str | None) -> str:
    """Return a UN/ECE Rec 20 unit code for a line's unit (`C62` when unknown)."""
    if not unit:
        return DEFAULT_UNIT
    word = unit.strip().rstrip(".")
    if _UNIT_CODE.match(word):
        return word
    return _UNIT_WORDS.get(word.lower(), DEFAULT_UNIT)


def _country(doc: Document, prefix: str) -> str | None:
    country = (text(doc, f"{prefix}_country") or "").upper()
    if _COUNTRY.match(country):
        return country
    vat = (text(doc, f"{prefix}_tax_id") or "").upper()
    if len(vat) > 2 and _COUNTRY.match(vat[:2]):
        return "GR" if vat[:2] == "EL" else vat[:2]
    return None


def _street(address: str | None, town: str | None, country: str | None) -> str | None:
    """Return the street part of a joined address (`street, postcode city, country`)."""
    if not address:
        return None
    parts = [p.strip() for p in address.split(",")]
    if country and parts and parts[-1].upper() == country:
        parts.pop()
    if town and parts and parts[-1] == town:
        parts.pop()
    return ", ".join(p for p in parts if p) or None


def _party(parent: etree._Element, doc: Document, prefix: str, tag: str) -> None:
    """Write the seller (`vendor_*`) or buyer (`customer_*`) party: name, address, VAT id."""
    party = _cac(_cac(parent, tag), "Party")
    party_id = text(doc, f"{prefix}_id")
    if party_id:
        _cbc(_cac(party, "PartyIdentification"), "ID", party_id, **_scheme(doc, f"{prefix}_id"))
    name = text(doc, f"{prefix}_name")
    if name:
        _cbc(_cac(party, "PartyName"), "Name", name)
    postcode, city = text(doc, f"{prefix}_postcode"), text(doc, f"{prefix}_city")
    country = _country(doc, prefix)
    town = " ".join(p for p in (postcode, city) if p) or None
    street = _street(text(doc, f"{prefix}_address"), town, country)
    if street or city or postcode or country:
        address = _cac(party, "PostalAddress")
        for tag_name, value in (
            ("StreetName", street),
            ("CityName", city),
            ("PostalZone", postcode),
        ):
            if value:
                _cbc(address, tag_name, value)
        if country:
            _cbc(_cac(address, "Country"), "IdentificationCode", country)
    vat = text(doc, f"{prefix}_tax_id")
    if vat:
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", vat)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal_id = text(doc, f"{prefix}_legal_id")
    if name:
        legal = _cac(party, "PartyLegalEntity")
        _cbc(legal, "RegistrationName", name)
        if legal_id:
            _cbc(legal, "CompanyID", legal_id, **_scheme(doc, f"{prefix}_legal_id"))


def _scheme(doc: Document, name: str) -> dict[str, str]:
    """Return the `schemeID` attribute of a party identifier, when its scheme is known."""
    scheme = text(doc, f"{name}_scheme")
    return {"schemeID": scheme} if scheme else {}


def _line_rates(doc: Document, groups: list[_VatGroup]) -> list[Decimal | None]:
    """Each line's VAT rate: its own, else the document's only rate."""
    only = groups[0].rate if len(groups) == 1 else None
    rates: list[Decimal | None] = []
    for line in doc.line_items:
        rate = cell_decimal(line, "tax_rate")
        rates.append(rate if rate is not None else only)
    return rates


def _category(rate: Decimal | None, not_subject: bool) -> str:
    if rate is not None and rate > 0:
        return "S"
    if not_subject:
        return "O"
    return "S" if rate is None else "Z"


_DEFAULT_REASONS = {
    "E": "Exempt from VAT",
    "AE": "Reverse charge",
    "K": "Intra-community supply",
    "G": "Export outside the EU",
    "O": "Not subject to VAT",
}
"""BT-120 written for a category that needs a reason when the document gives none."""

_GroupKey = tuple[Decimal | None, str | None]


def _vat_groups(doc: Document) -> list[_VatGroup]:
    """Return the VAT breakdown: the tax details merged per rate and category, else the lines'."""
    parties_vat = bool(text(doc, "vendor_tax_id") or text(doc, "customer_tax_id"))
    merged: dict[_GroupKey, list[Decimal]] = {}
    reasons: dict[_GroupKey, tuple[str | None, str | None]] = {}
    for detail in doc.tax_details:
        if detail.net is None and detail.tax is None:
            continue
        net = detail.net
        if net is None and detail.rate:
            net = money(detail.tax * 100 / detail.rate) if detail.tax is not None else None
        tax = detail.tax
        if tax is None and detail.rate is not None and net is not None:
            tax = money(net * detail.rate / 100)
        key = (detail.rate.normalize() if detail.rate is not None else None, detail.category)
        sums = merged.setdefault(key, [Decimal(0), Decimal(0)])
        sums[0] += net or Decimal(0)
        sums[1] += tax or Decimal(0)
        if detail.exemption_reason or detail.exemption_code:
            reasons.setdefault(key, (detail.exemption_reason, detail.exemption_code))
    if not merged:
        for line in doc.line_items:
            rate, amount = cell_decimal(line, "tax_rate"), line_amount(line)
            if rate is None or amount is None:
                continue
            key = (rate.normalize(), _own_category(line))
            sums = merged.setdefault(key, [Decimal(0), Decimal(0)])
            sums[0] += amount
        for (rate, _), sums in merged.items():
            sums[1] = money(sums[0] * (rate or 0) / 100)
    not_subject = not parties_vat and all(r is None or r == 0 for r, _ in merged)
    groups = []
    for (rate, stored), (net, tax) in merged.items():
        category = stored or _category(rate, not_subject)
        reason, code = reasons.get((rate, stored), (None, None))
        if not reason and not code:
            reason = _DEFAULT_REASONS.get(category)
        groups.append(_VatGroup(rate, category, net, tax, Decimal(0), reason, code))
    return groups


def _own_category(line: LineItem) -> str | None:
    """Return a line's own VAT category code (BT-151), when it has a known one."""
    code = (cell_text(line, "tax_category") or "").upper()
    return code if code in VAT_CATEGORIES else None


def _line_categories(
    doc: Document, groups: list[_VatGroup], rates: list[Decimal | None]
) -> list[str]:
    """Each line's VAT category: its own, else its rate's group's, else derived from the rate."""
    by_rate: dict[Decimal | None, str] = {}
    for group in groups:
        by_rate.setdefault(group.rate, group.category)
    return [
        _own_category(line) or by_rate.get(rate) or _category(rate, False)
        for line, rate in zip(doc.line_items, rates, strict=True)
    ]


def _tax_category(parent: etree._Element, tag: str, group_rate: Decimal | None, cat: str) -> None:
    category = _cac(parent, tag)
    _cbc(category, "ID", cat)
    if group_rate is not None and cat != "O":
        _cbc(category, "Percent", _number(group_rate))
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _exemption(parent: etree._Element, group: _VatGroup) -> None:
    """Write a breakdown's exemption reason code and text (BT-121, BT-120), when it has them."""
    if group.exemption_code:
        _cbc(parent, "TaxExemptionReasonCode", group.exemption_code)
    if group.exemption_reason:
        _cbc(parent, "TaxExemptionReason", group.exemption_reason)


@dataclass
class _Totals:
    line_total: Decimal | None
    subtotal: Decimal | None
    total_tax: Decimal | None
    total: Decimal | None
    prepaid: Decimal | None
    amount_due: Decimal | None
    allowances: Decimal
    charges: Decimal


def _totals(doc: Document, groups: list[_VatGroup], amounts: list[Decimal | None]) -> _Totals:
    known = [a for a in amounts if a is not None]
    line_total = decimal(doc, "line_total")
    if line_total is None and known:
        line_total = sum(known, Decimal(0))
    total_tax = decimal(doc, "total_tax")
    if total_tax is None and groups:
        total_tax = sum((g.tax for g in groups), Decimal(0))
    total = decimal(doc, "total")
    subtotal = decimal(doc, "subtotal")
    if subtotal is None and total is not None and total_tax is not None:
        subtotal = total - total_tax
    if subtotal is None and groups:
        subtotal = sum((g.net for g in groups), Decimal(0))
    if subtotal is None:
        subtotal = line_total
    if total is None and subtotal is not None and total_tax is not None:
        total = subtotal + total_tax
    prepaid = decimal(doc, "prepaid_amount")
    amount_due = decimal(doc, "amount_due")
    if amount_due is None and total is not None:
        amount_due = total - (prepaid or 0)
    adjust = [g.adjustment for g in groups]
    return _Totals(
        line_total=line_total,
        subtotal=subtotal,
        total_tax=total_tax,
        total=total,
        prepaid=prepaid,
        amount_due=amount_due,
        allowances=-sum((a for a in adjust if a < 0), Decimal(0)),
        charges=sum((a for a in adjust if a > 0), Decimal(0)),
    )


def _adjust(
    groups: list[_VatGroup],
    rates: list[Decimal | None],
    categories: list[str],
    amounts: list[Decimal | None],
) -> None:
    """Set each group's allowance/charge: its taxable amount − its lines' amounts."""
    if not amounts or any(a is None for a in amounts):
        return
    for group in groups:
        mine = zip(rates, categories, amounts, strict=True)
        lines = sum(
            (a for r, c, a in mine if a is not None and (r, c) == (group.rate, group.category)),
            Decimal(0),
        )
        group.adjustment = money(group.net - lines)


def _line(
    root: etree._Element, credit: bool, index: int, line: LineItem,
    rate: Decimal | None, amount: Decimal | None, category: str, currency: str,
) -> None:  # fmt: skip
    el = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(el, "ID", cell_text(line, "line_id") or str(index + 1))
    quantity = cell_decimal(line, "quantity")
    if quantity is None:
        quantity = Decimal(1)
    price = cell_decimal(line, "unit_price")
    if price is None and amount is not None and quantity:
        price = money(amount / quantity)
    if price is not None and price < 0:  # BR-27: a price is never negative; the quantity is
        price, quantity = -price, -quantity
    _cbc(
        el, "CreditedQuantity" if credit else "InvoicedQuantity", _number(quantity),
        unitCode=unit_code(cell_text(line, "unit")),
    )  # fmt: skip
    if amount is not None:
        _cbc(el, "LineExtensionAmount", _amount(amount), currencyID=currency)
    item = _cac(el, "Item")
    name = cell_text(line, "description") or cell_text(line, "product_code") or f"Item {index + 1}"
    _cbc(item, "Name", name)
    code = cell_text(line, "product_code")
    if code:
        _cbc(_cac(item, "SellersItemIdentification"), "ID", code)
    _tax_category(item, "ClassifiedTaxCategory", rate, category)
    if price is not None:
        _cbc(_cac(el, "Price"), "PriceAmount", _number(price), currencyID=currency)


def document_to_ubl(doc: Document) -> bytes:
    """Return an invoice Document as UBL 2.1 XML bytes (CreditNote for type code 381).

    The ERP-facing form of any invoice paperclerk read, so the same importer takes XML,
    scanned and reviewed invoices alike. See the module docstring for what is derived and
    what is left for `validate_en16931` to report as missing.
    """
    type_code = text(doc, "invoice_type_code") or "380"
    credit = type_code == CREDIT_NOTE_CODE
    ns = NS_CREDIT_NOTE if credit else NS_INVOICE
    root = etree.Element(
        f"{{{ns}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: ns, "cac": NS_CAC, "cbc": NS_CBC},
    )
    currency = (text(doc, "currency") or "EUR").upper()
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", text(doc, "invoice_number") or doc.id)
    issued, due = date(doc, "invoice_date"), date(doc, "due_date")
    if issued is not None:
        _cbc(root, "IssueDate", issued.isoformat())
    if due is not None and not credit:
        _cbc(root, "DueDate", due.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", type_code)
    _cbc(root, "DocumentCurrencyCode", currency)
    buyer_reference = text(doc, "buyer_reference")
    if buyer_reference:
        _cbc(root, "BuyerReference", buyer_reference)
    start, end = date(doc, "period_start"), date(doc, "period_end")
    if start is not None or end is not None:
        period = _cac(root, "InvoicePeriod")
        for tag, day in (("StartDate", start), ("EndDate", end)):
            if day is not None:
                _cbc(period, tag, day.isoformat())
    order = text(doc, "purchase_order")
    if order:
        _cbc(_cac(root, "OrderReference"), "ID", order)
    _party(root, doc, "vendor", "AccountingSupplierParty")
    _party(root, doc, "customer", "AccountingCustomerParty")
    delivered, country = date(doc, "delivery_date"), text(doc, "delivery_country")
    if delivered is not None or country:
        delivery = _cac(root, "Delivery")
        if delivered is not None:
            _cbc(delivery, "ActualDeliveryDate", delivered.isoformat())
        if country:
            address = _cac(_cac(delivery, "DeliveryLocation"), "Address")
            _cbc(_cac(address, "Country"), "IdentificationCode", country.upper())

    iban = text(doc, "vendor_iban")
    if iban or (credit and due is not None):
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "30" if iban else "ZZZ")
        if credit and due is not None:
            _cbc(means, "PaymentDueDate", due.isoformat())
        if iban:
            _cbc(_cac(means, "PayeeFinancialAccount"), "ID", re.sub(r"\s", "", iban))
    terms = text(doc, "payment_terms")
    if terms:
        _cbc(_cac(root, "PaymentTerms"), "Note", terms)

    groups = _vat_groups(doc)
    rates = _line_rates(doc, groups)
    categories = _line_categories(doc, groups, rates)
    amounts = [line_amount(line) for line in doc.line_items]
    _adjust(groups, rates, categories, amounts)
    for group in groups:
        if not group.adjustment:
            continue
        charge = _cac(root, "AllowanceCharge")
        is_charge = group.adjustment > 0
        _cbc(charge, "ChargeIndicator", "true" if is_charge else "false")
        _cbc(charge, "AllowanceChargeReason", "Charge" if is_charge else "Discount")
        _cbc(charge, "Amount", _amount(abs(group.adjustment)), currencyID=currency)
        _tax_category(charge, "TaxCategory", group.rate, group.category)
    totals = _totals(doc, groups, amounts)

    tax_total = _cac(root, "TaxTotal")
    _cbc(tax_total, "TaxAmount", _amount(totals.total_tax or Decimal(0)), currencyID=currency)
    for group in groups:
        sub = _cac(tax_total, "TaxSubtotal")
        _cbc(sub, "TaxableAmount", _amount(group.net), currencyID=currency)
        _cbc(sub, "TaxAmount", _amount(group.tax), currencyID=currency)
        category = _cac(sub, "TaxCategory")
        _cbc(category, "ID", group.category)
        if group.rate is not None and group.category != "O":
            _cbc(category, "Percent", _number(group.rate))
        _exemption(category, group)
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")

    monetary = _cac(root, "LegalMonetaryTotal")
    for tag, value in (
        ("LineExtensionAmount", totals.line_total),
        ("TaxExclusiveAmount", totals.subtotal),
        ("TaxInclusiveAmount", totals.total),
        ("AllowanceTotalAmount", totals.allowances or None),
        ("ChargeTotalAmount", totals.charges or None),
        ("PrepaidAmount", totals.prepaid),
    ):
        if value is not None:
            _cbc(monetary, tag, _amount(value), currencyID=currency)
    if totals.amount_due is not None:
        if totals.total is not None:
            rounding = totals.amount_due - totals.total + (totals.prepaid or 0)
            if money(rounding):
                _cbc(monetary, "PayableRoundingAmount", _amount(rounding), currencyID=currency)
        _cbc(monetary, "PayableAmount", _amount(totals.amount_due), currencyID=currency)

    for index, line in enumerate(doc.line_items):
        rate = rates[index]
        _line(root, credit, index, line, rate, amounts[index], categories[index], currency)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
