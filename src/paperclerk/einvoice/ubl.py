"""Map a UBL 2.1 Invoice or CreditNote to EN 16931 business terms (OASIS UBL syntax binding)."""

from __future__ import annotations

from lxml import etree

from paperclerk.einvoice.paths import find, find_all, identifier, text
from paperclerk.einvoice.terms import (
    EInvoiceData,
    InvoiceLineTerms,
    Syntax,
    VatBreakdown,
    put_identifier,
)


def read_ubl(root: etree._Element, syntax: Syntax) -> EInvoiceData:
    """Read the header terms, VAT breakdown and lines of a UBL invoice or credit note."""
    data = EInvoiceData(syntax=syntax, date_format="iso")
    h = data.header
    credit = syntax == Syntax.UBL_CREDIT_NOTE
    _put(h, "invoice_number", text(root, "ID"))
    _put(h, "invoice_date", text(root, "IssueDate"))
    _put(h, "invoice_type_code", text(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode"))
    _put(h, "due_date", text(root, "DueDate", "PaymentMeans/PaymentDueDate"))
    currency = text(root, "DocumentCurrencyCode")
    _put(h, "currency", currency)
    _put(h, "purchase_order", text(root, "OrderReference/ID"))
    _put(h, "buyer_reference", text(root, "BuyerReference"))
    _put(h, "period_start", text(root, "InvoicePeriod/StartDate"))
    _put(h, "period_end", text(root, "InvoicePeriod/EndDate"))
    _put(h, "delivery_date", text(root, "Delivery/ActualDeliveryDate"))
    _put(
        h,
        "delivery_country",
        text(root, "Delivery/DeliveryLocation/Address/Country/IdentificationCode"),
    )
    _put(h, "payment_terms", text(root, "PaymentTerms/Note"))
    _put(h, "vendor_iban", text(root, "PaymentMeans/PayeeFinancialAccount/ID"))
    for prefix, path in (
        ("vendor", "AccountingSupplierParty/Party"),
        ("customer", "AccountingCustomerParty/Party"),
    ):
        party = find(root, path)
        if party is None:
            continue
        _put(
            h, f"{prefix}_name", text(party, "PartyLegalEntity/RegistrationName", "PartyName/Name")
        )
        _put(h, f"{prefix}_tax_id", _vat_id(party))
        put_identifier(h, f"{prefix}_id", identifier(party, "PartyIdentification/ID"))
        put_identifier(h, f"{prefix}_legal_id", identifier(party, "PartyLegalEntity/CompanyID"))
        address = find(party, "PostalAddress")
        if address is not None:
            _put(h, f"{prefix}_address", _address(address))
            _put(h, f"{prefix}_postcode", text(address, "PostalZone"))
            _put(h, f"{prefix}_city", text(address, "CityName"))
            _put(h, f"{prefix}_country", text(address, "Country/IdentificationCode"))
    totals = find(root, "LegalMonetaryTotal")
    if totals is not None:
        _put(h, "line_total", text(totals, "LineExtensionAmount"))
        _put(h, "subtotal", text(totals, "TaxExclusiveAmount"))
        _put(h, "total", text(totals, "TaxInclusiveAmount"))
        _put(h, "prepaid_amount", text(totals, "PrepaidAmount"))
        _put(h, "amount_due", text(totals, "PayableAmount"))
    _put(h, "total_tax", _tax_total(root, currency))
    for total in find_all(root, "TaxTotal"):
        for sub in find_all(total, "TaxSubtotal"):
            data.vat_breakdown.append(
                VatBreakdown(
                    category=text(sub, "TaxCategory/ID"),
                    rate=text(sub, "TaxCategory/Percent"),
                    basis=text(sub, "TaxableAmount"),
                    amount=text(sub, "TaxAmount"),
                    exemption_reason=text(sub, "TaxCategory/TaxExemptionReason"),
                    exemption_code=text(sub, "TaxCategory/TaxExemptionReasonCode"),
                )
            )
    line_tag, qty_tag = (
        ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    )
    for line in find_all(root, line_tag):
        quantity = find(line, qty_tag)
        data.lines.append(
            InvoiceLineTerms(
                line_id=text(line, "ID"),
                name=text(line, "Item/Name"),
                description=text(line, "Item/Description"),
                quantity=text(line, qty_tag),
                unit=quantity.get("unitCode") if quantity is not None else None,
                net_price=text(line, "Price/PriceAmount"),
                price_base_quantity=text(line, "Price/BaseQuantity"),
                line_total=text(line, "LineExtensionAmount"),
                vat_rate=text(line, "Item/ClassifiedTaxCategory/Percent"),
                vat_category=text(line, "Item/ClassifiedTaxCategory/ID"),
                product_code=text(
                    line, "Item/SellersItemIdentification/ID", "Item/StandardItemIdentification/ID"
                ),
            )
        )
    return data


def _put(header: dict[str, str], name: str, value: str | None) -> None:
    if value:
        header[name] = value


def _vat_id(party: etree._Element) -> str | None:
    """BT-31/BT-48: the PartyTaxScheme whose TaxScheme is VAT (else the first)."""
    schemes = find_all(party, "PartyTaxScheme")
    for scheme in schemes:
        if (text(scheme, "TaxScheme/ID") or "").upper() == "VAT":
            return text(scheme, "CompanyID")
    return None


def _address(address: etree._Element) -> str | None:
    street = [text(address, p) for p in ("StreetName", "AdditionalStreetName", "AddressLine/Line")]
    town = " ".join(p for p in (text(address, "PostalZone"), text(address, "CityName")) if p)
    parts = [p for p in (*street, town, text(address, "Country/IdentificationCode")) if p]
    return ", ".join(parts) or None


def _tax_total(root: etree._Element, currency: str | None) -> str | None:
    """BT-110: the TaxTotal/TaxAmount in the document currency (BT-111 is another currency)."""
    amounts = [a for t in find_all(root, "TaxTotal") for a in find_all(t, "TaxAmount")]
    for amount in amounts:
        if currency is None or amount.get("currencyID") in (None, currency):
            value = (amount.text or "").strip()
            if value:
                return value
    return None
