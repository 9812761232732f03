"""The EN 16931 business terms an e-invoice carries, as read from its XML (text, untyped).

`ubl.py` and `cii.py` fill an `EInvoiceData` with the XML's text exactly; `document.py`
types the values and builds the paperclerk `Document`. Keeping the raw text here lets the
evaluation and the cross-checks compare what the XML wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Syntax(StrEnum):
    """The XML syntax of an e-invoice."""

    UBL_INVOICE = "UBL-Invoice"
    UBL_CREDIT_NOTE = "UBL-CreditNote"
    CII = "CII"
    ZUGFERD1 = "ZUGFeRD1"


@dataclass
class VatBreakdown:
    """One VAT breakdown group (BG-23): category, rate, amounts, exemption reason and code."""

    category: str | None = None
    rate: str | None = None
    basis: str | None = None
    amount: str | None = None
    exemption_reason: str | None = None
    exemption_code: str | None = None


@dataclass
class InvoiceLineTerms:
    """One invoice line (BG-25) as the XML writes it."""

    line_id: str | None = None
    name: str | None = None
    description: str | None = None
    quantity: str | None = None
    unit: str | None = None
    net_price: str | None = None
    price_base_quantity: str | None = None
    line_total: str | None = None
    vat_rate: str | None = None
    vat_category: str | None = None
    product_code: str | None = None


@dataclass
class EInvoiceData:
    """The header business terms of an e-invoice, keyed by paperclerk invoice field name.

    `header` maps invoice field names (`invoice_number`, `invoice_date`, `vendor_name`, …)
    to the XML text; `date_format` says how the dates are written ("102" = YYYYMMDD in CII,
    "iso" in UBL).
    """

    syntax: Syntax
    header: dict[str, str] = field(default_factory=dict)
    vat_breakdown: list[VatBreakdown] = field(default_factory=list)
    lines: list[InvoiceLineTerms] = field(default_factory=list)
    date_format: str = "iso"


PARTY_IDENTIFIERS = ("id", "legal_id")
"""The party identifier terms kept per party prefix (`vendor_id` = BT-29, `vendor_legal_id`
= BT-30, `customer_id` = BT-46, `customer_legal_id` = BT-47); each may have a
`<name>_scheme` beside it (the ISO 6523 ICD code of its `schemeID`)."""


def put_identifier(header: dict[str, str], name: str, found: tuple[str, str | None] | None) -> None:
    """Store a party identifier and its scheme (when it has one) under `name`."""
    if found is None:
        return
    value, scheme = found
    header[name] = value
    if scheme:
        header[f"{name}_scheme"] = scheme
