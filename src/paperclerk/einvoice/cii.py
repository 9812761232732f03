"""Map a UN/CEFACT CII D16B invoice (Factur-X / ZUGFeRD 2) or a ZUGFeRD 1.0 one to EN 16931 terms.

ZUGFeRD 1.0 (`CrossIndustryDocument`) names the same groups differently (`Header…`,
`ApplicableSupplyChainTrade…`, `ApplicablePercent`); each term lists the D16B path first
and the 1.0 path second.
"""

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

_DOC = ("ExchangedDocument", "HeaderExchangedDocument")
_TX = ("SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction")
_AGREEMENT = ("ApplicableHeaderTradeAgreement", "ApplicableSupplyChainTradeAgreement")
_SETTLEMENT = ("ApplicableHeaderTradeSettlement", "ApplicableSupplyChainTradeSettlement")
_DELIVERY = ("ApplicableHeaderTradeDelivery", "ApplicableSupplyChainTradeDelivery")
_SUMMATION = (
    "SpecifiedTradeSettlementHeaderMonetarySummation",
    "SpecifiedTradeSettlementMonetarySummation",
)


def read_cii(root: etree._Element, syntax: Syntax) -> EInvoiceData:
    """Read the header terms, VAT breakdown and lines of a CII (or ZUGFeRD 1.0) invoice."""
    data = EInvoiceData(syntax=syntax, date_format="102")
    h = data.header
    doc = _first(root, _DOC)
    tx = _first(root, _TX)
    _put(h, "invoice_number", text(doc, "ID"))
    _put(h, "invoice_type_code", text(doc, "TypeCode"))
    _put(h, "invoice_date", text(doc, "IssueDateTime/DateTimeString"))
    agreement = _first(tx, _AGREEMENT) if tx is not None else None
    settlement = _first(tx, _SETTLEMENT) if tx is not None else None
    if agreement is not None:
        _put(h, "buyer_reference", text(agreement, "BuyerReference"))
        _put(
            h,
            "purchase_order",
            text(
                agreement,
                "BuyerOrderReferencedDocument/IssuerAssignedID",
                "BuyerOrderReferencedDocument/ID",
            ),
        )
        for prefix, tag in (("vendor", "SellerTradeParty"), ("customer", "BuyerTradeParty")):
            party = find(agreement, tag)
            if party is None:
                continue
            _put(h, f"{prefix}_name", text(party, "Name"))
            _put(h, f"{prefix}_tax_id", _vat_id(party))
            put_identifier(h, f"{prefix}_id", identifier(party, "ID", "GlobalID"))
            put_identifier(
                h, f"{prefix}_legal_id", identifier(party, "SpecifiedLegalOrganization/ID")
            )
            address = find(party, "PostalTradeAddress")
            if address is not None:
                _put(h, f"{prefix}_address", _address(address))
                _put(h, f"{prefix}_postcode", text(address, "PostcodeCode"))
                _put(h, f"{prefix}_city", text(address, "CityName"))
                _put(h, f"{prefix}_country", text(address, "CountryID"))
    delivery = _first(tx, _DELIVERY) if tx is not None else None
    if delivery is not None:
        _put(
            h,
            "delivery_date",
            text(delivery, "ActualDeliverySupplyChainEvent/OccurrenceDateTime/DateTimeString"),
        )
        _put(h, "delivery_country", text(delivery, "ShipToTradeParty/PostalTradeAddress/CountryID"))
    currency = None
    if settlement is not None:
        currency = text(settlement, "InvoiceCurrencyCode")
        _put(h, "currency", currency)
        _put(
            h,
            "period_start",
            text(settlement, "BillingSpecifiedPeriod/StartDateTime/DateTimeString"),
        )
        _put(h, "period_end", text(settlement, "BillingSpecifiedPeriod/EndDateTime/DateTimeString"))
        _put(
            h,
            "vendor_iban",
            text(
                settlement,
                "SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/IBANID",
                "SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/ProprietaryID",
            ),
        )
        _put(h, "payment_terms", text(settlement, "SpecifiedTradePaymentTerms/Description"))
        _put(
            h,
            "due_date",
            text(settlement, "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString"),
        )
        for tax in find_all(settlement, "ApplicableTradeTax"):
            data.vat_breakdown.append(
                VatBreakdown(
                    category=text(tax, "CategoryCode"),
                    rate=text(tax, "RateApplicablePercent", "ApplicablePercent"),
                    basis=text(tax, "BasisAmount"),
                    amount=text(tax, "CalculatedAmount"),
                    exemption_reason=text(tax, "ExemptionReason"),
                    exemption_code=text(tax, "ExemptionReasonCode"),
                )
            )
        summation = _first(settlement, _SUMMATION)
        if summation is not None:
            _put(h, "line_total", text(summation, "LineTotalAmount"))
            _put(h, "subtotal", text(summation, "TaxBasisTotalAmount"))
            _put(h, "total_tax", _tax_total(summation, currency))
            _put(h, "total", text(summation, "GrandTotalAmount"))
            _put(h, "prepaid_amount", text(summation, "TotalPrepaidAmount"))
            _put(h, "amount_due", text(summation, "DuePayableAmount"))
    if tx is not None and "purchase_order" not in h:
        # EXTENDED profile: the order may be referenced on the lines only.
        _put(
            h,
            "purchase_order",
            text(
                tx,
                "IncludedSupplyChainTradeLineItem/SpecifiedLineTradeAgreement/"
                "BuyerOrderReferencedDocument/IssuerAssignedID",
            ),
        )
    if tx is not None:
        data.lines = [_line(line) for line in find_all(tx, "IncludedSupplyChainTradeLineItem")]
    return data


def _line(line: etree._Element) -> InvoiceLineTerms:
    quantity = _first(
        line,
        (
            "SpecifiedLineTradeDelivery/BilledQuantity",
            "SpecifiedSupplyChainTradeDelivery/BilledQuantity",
        ),
    )
    price = (
        "SpecifiedLineTradeAgreement/NetPriceProductTradePrice",
        "SpecifiedSupplyChainTradeAgreement/NetPriceProductTradePrice",
    )
    settle = ("SpecifiedLineTradeSettlement", "SpecifiedSupplyChainTradeSettlement")
    return InvoiceLineTerms(
        line_id=text(line, "AssociatedDocumentLineDocument/LineID"),
        name=text(line, "SpecifiedTradeProduct/Name"),
        description=text(line, "SpecifiedTradeProduct/Description"),
        quantity=_own_text(quantity),
        unit=quantity.get("unitCode") if quantity is not None else None,
        net_price=text(line, *(f"{p}/ChargeAmount" for p in price)),
        price_base_quantity=text(line, *(f"{p}/BasisQuantity" for p in price)),
        line_total=text(
            line,
            *(f"{s}/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount" for s in settle),
            *(f"{s}/SpecifiedTradeSettlementMonetarySummation/LineTotalAmount" for s in settle),
        ),
        vat_rate=text(
            line,
            *(
                f"{s}/ApplicableTradeTax/{r}"
                for s in settle
                for r in ("RateApplicablePercent", "ApplicablePercent")
            ),
        ),
        vat_category=text(line, *(f"{s}/ApplicableTradeTax/CategoryCode" for s in settle)),
        product_code=text(
            line, "SpecifiedTradeProduct/SellerAssignedID", "SpecifiedTradeProduct/GlobalID"
        ),
    )


def _own_text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return " ".join((el.text or "").split()) or None


def _first(el: etree._Element | None, paths: tuple[str, ...]) -> etree._Element | None:
    if el is None:
        return None
    for path in paths:
        found = find(el, path)
        if found is not None:
            return found
    return None


def _put(header: dict[str, str], name: str, value: str | None) -> None:
    if value:
        header[name] = value


def _vat_id(party: etree._Element) -> str | None:
    """BT-31/BT-48: the tax registration with schemeID VA (FC is the tax number BT-32)."""
    for reg in find_all(party, "SpecifiedTaxRegistration/ID"):
        if (reg.get("schemeID") or "").upper() == "VA" and (reg.text or "").strip():
            return (reg.text or "").strip()
    return None


def _address(address: etree._Element) -> str | None:
    street = [text(address, p) for p in ("LineOne", "LineTwo", "LineThree")]
    town = " ".join(p for p in (text(address, "PostcodeCode"), text(address, "CityName")) if p)
    parts = [p for p in (*street, town, text(address, "CountryID")) if p]
    return ", ".join(parts) or None


def _tax_total(summation: etree._Element, currency: str | None) -> str | None:
    """BT-110: TaxTotalAmount in the invoice currency (a second one may be in BT-6's)."""
    for amount in find_all(summation, "TaxTotalAmount"):
        if currency is None or amount.get("currencyID") in (None, currency):
            value = (amount.text or "").strip()
            if value:
                return value
    return None
