"""A balanced double-entry booking journal for an invoice `Document` (JSON for the ERP).

Debit an expense account per line net amount (the line's `gl_account` cell, else the
configured default), debit input VAT per rate, credit the supplier payable with the invoice
total. Whatever makes the lines plus VAT differ from the total (document allowances or
charges, rounding, an OCR misread) is booked to a difference account, so the journal always
balances to zero; a non-empty difference is worth a look. A credit note (type code 381)
books the same entries on the opposite sides. Decimal arithmetic throughout.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from paperclerk.export.values import cell_text, date, decimal, line_amount, money, text
from paperclerk.model import Document

Side = Literal["debit", "credit"]


class JournalAccounts(BaseModel):
    """The accounts a journal books to (configurable per call)."""

    expense: str = Field("expense", description="Default expense account of a line.")
    input_vat: str = Field("input_vat", description="Input VAT (deductible) account.")
    payable: str = Field("accounts_payable", description="The supplier payable account.")
    difference: str = Field(
        "invoice_difference", description="Allowances, charges and rounding not on a line."
    )


class JournalEntry(BaseModel):
    """One booking line: an amount on one side of one account."""

    account: str
    side: Side
    amount: Decimal = Field(ge=0, description="Always positive; the side says which way.")
    currency: str | None
    description: str
    tax_rate: Decimal | None = Field(None, description="The VAT rate of a VAT entry.")

    @property
    def signed(self) -> Decimal:
        """Return the amount signed: debits positive, credits negative."""
        return self.amount if self.side == "debit" else -self.amount


class Journal(BaseModel):
    """The booking journal of one invoice; its entries balance to zero."""

    document_id: str
    invoice_number: str | None
    invoice_date: dt.date | None
    supplier: str | None
    currency: str | None
    entries: list[JournalEntry]

    @property
    def balance(self) -> Decimal:
        """Return debits − credits (zero for every journal `document_journal` builds)."""
        return sum((e.signed for e in self.entries), Decimal(0))


def _entry(
    account: str, signed: Decimal, currency: str | None, description: str,
    tax_rate: Decimal | None = None,
) -> JournalEntry:  # fmt: skip
    return JournalEntry(
        account=account,
        side="debit" if signed >= 0 else "credit",
        amount=abs(signed),
        currency=currency,
        description=description,
        tax_rate=tax_rate,
    )


def _vat_by_rate(doc: Document) -> list[tuple[Decimal | None, Decimal]]:
    """Return (rate, VAT amount) per rate: the tax details, else the total VAT, else none."""
    by_rate: dict[Decimal | None, Decimal] = {}
    for detail in doc.tax_details:
        tax = detail.tax
        if tax is None and detail.net is not None and detail.rate is not None:
            tax = money(detail.net * detail.rate / 100)
        if tax is not None:
            key = detail.rate.normalize() if detail.rate is not None else None
            by_rate[key] = by_rate.get(key, Decimal(0)) + tax
    if not by_rate:
        total_tax = decimal(doc, "total_tax")
        if total_tax is not None:
            by_rate[None] = total_tax
    return list(by_rate.items())


def document_journal(doc: Document, accounts: JournalAccounts | None = None) -> Journal:
    """Return the invoice's balanced booking journal (see the module docstring).

    Lines without an amount are left out (their value then shows in the difference entry).
    """
    accounts = accounts or JournalAccounts()
    sign = Decimal(-1) if text(doc, "invoice_type_code") == "381" else Decimal(1)
    currency = text(doc, "currency")
    entries: list[JournalEntry] = []
    for index, line in enumerate(doc.line_items):
        amount = line_amount(line)
        if amount is None:
            continue
        label = cell_text(line, "description") or f"line {index + 1}"
        account = cell_text(line, "gl_account") or accounts.expense
        entries.append(_entry(account, sign * amount, currency, f"Line {index + 1}: {label}"))
    for rate, tax in _vat_by_rate(doc):
        label = f"Input VAT {rate}%" if rate is not None else "Input VAT"
        entries.append(_entry(accounts.input_vat, sign * tax, currency, label, rate))
    booked = sum((e.signed for e in entries), Decimal(0))
    total = decimal(doc, "total")
    if total is None:
        total = decimal(doc, "amount_due")
    payable = sign * total if total is not None else booked
    supplier = text(doc, "vendor_name")
    entries.append(
        _entry(accounts.payable, -payable, currency, f"Payable to {supplier or 'supplier'}")
    )
    if payable != booked:
        entries.append(
            _entry(
                accounts.difference, payable - booked, currency,
                "Invoice total minus lines and VAT (allowances, charges, rounding)",
            )
        )  # fmt: skip
    return Journal(
        document_id=doc.id,
        invoice_number=text(doc, "invoice_number"),
        invoice_date=date(doc, "invoice_date"),
        supplier=supplier,
        currency=currency,
        entries=entries,
    )
