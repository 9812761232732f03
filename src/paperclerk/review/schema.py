"""What the review form shows per document type: fields in order, their kinds, table columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from paperclerk.learning.user_types import UserTypes
from paperclerk.model import DocType, Document, FieldValue


class Kind(StrEnum):
    """How a field's text is parsed and checked."""

    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    TIME = "time"
    NUMBER = "number"
    CURRENCY = "currency"
    IBAN = "iban"
    TAX_ID = "tax_id"


KINDS: dict[str, Kind] = {
    **{n: Kind.MONEY for n in (
        "total", "subtotal", "total_tax", "amount_due", "tip", "unit_price", "total_price",
        "amount", "rounding", "discount", "net_pay", "gross_pay", "closing_balance",
        "opening_balance", "balance",
    )},
    **{n: Kind.DATE for n in (
        "transaction_date", "invoice_date", "due_date", "date_of_birth", "date_of_expiry",
        "date_of_issue", "pay_date", "statement_date", "bill_date", "issue_date",
        "period_start", "period_end", "date",
    )},
    "transaction_time": Kind.TIME,
    "quantity": Kind.NUMBER,
    "tax_rate": Kind.NUMBER,
    "currency": Kind.CURRENCY,
    "vendor_iban": Kind.IBAN,
    "iban": Kind.IBAN,
    "vendor_tax_id": Kind.TAX_ID,
    "merchant_tax_id": Kind.TAX_ID,
}  # fmt: skip

FORM_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.RECEIPT: (
        "merchant_name", "merchant_address", "merchant_phone", "merchant_tax_id",
        "receipt_number", "transaction_date", "transaction_time", "payment_method",
        "currency", "subtotal", "total_tax", "total",
    ),
    DocType.INVOICE: (
        "vendor_name", "vendor_address", "vendor_tax_id", "vendor_iban", "customer_name",
        "customer_address", "invoice_number", "invoice_date", "due_date", "purchase_order",
        "currency", "subtotal", "total_tax", "total", "amount_due", "payment_terms",
    ),
    DocType.PAYSLIP: (
        "employer", "employee", "period_start", "period_end", "pay_date", "gross_pay",
        "net_pay", "currency",
    ),
    DocType.BANK_STATEMENT: (
        "bank", "account_holder", "iban", "period_start", "period_end", "opening_balance",
        "closing_balance", "currency",
    ),
    DocType.UTILITY_BILL: (
        "provider", "customer_name", "customer_address", "issue_date", "amount_due",
        "currency", "due_date",
    ),
}  # fmt: skip

ITEM_COLUMNS: dict[DocType, tuple[str, ...]] = {
    DocType.RECEIPT: ("description", "quantity", "unit_price", "total_price"),
    DocType.INVOICE: ("product_code", "description", "quantity", "unit", "unit_price",
                      "tax_rate", "amount"),
    DocType.BANK_STATEMENT: ("date", "description", "amount", "balance"),
}  # fmt: skip
DEFAULT_ITEM_COLUMNS = ("description", "quantity", "unit_price", "amount")
SUPPLIER_FIELDS = ("merchant_name", "vendor_name")


def kind_of(name: str) -> Kind:
    """Return how the field `name` (or a line-item column) is parsed."""
    return KINDS.get(name, Kind.TEXT)


def form_fields(doc: Document, required: Iterable[str] = ()) -> list[str]:
    """Return the fields the form shows: the schema's, the `required` ones, the document's.

    `required` are the fields the type's decision policy requires, so a reviewer can type
    them in even for a type the form has no schema for (nothing could be extracted).
    """
    names = list(FORM_FIELDS.get(doc.doc_type, ()))
    names += [n for n in dict.fromkeys(required) if n not in names]
    names += [n for n in doc.fields if n not in names]
    return names


def defined_fields(doc: Document, types: UserTypes | None) -> list[str]:
    """Return the fields a document's user-defined type names (none for built-in types).

    The review form shows each of them, found or not, so a person can fill every one by
    clicking words: that is how a new type's first examples are annotated.
    """
    if doc.doc_type != DocType.CUSTOM or doc.custom_type is None or types is None:
        return []
    spec = types.spec(doc.custom_type)
    return [f.name for f in spec.fields] if spec else []


def item_columns(doc: Document) -> list[str]:
    """Return the line-item table columns: the schema's, then any other a row has."""
    cols = list(ITEM_COLUMNS.get(doc.doc_type, DEFAULT_ITEM_COLUMNS))
    for item in doc.line_items:
        cols += [c for c in item.fields if c not in cols]
    return cols


def supplier_of(doc: Document) -> str | None:
    """Return the counterparty name a document was read with (merchant or vendor)."""
    for name in SUPPLIER_FIELDS:
        field = doc.fields.get(name)
        if field is not None and field.value not in (None, ""):
            return str(field.value)[:500]
    return None


def _typed(kind: Kind, value: FieldValue) -> FieldValue:
    """Return a value read back from JSON as its typed form (a money string as Decimal)."""
    if not isinstance(value, str):
        return value
    try:
        if kind in (Kind.MONEY, Kind.NUMBER):
            return Decimal(value)
        if kind == Kind.DATE:
            return dt.date.fromisoformat(value)
        if kind == Kind.TIME:
            return dt.time.fromisoformat(value)
    except (ArithmeticError, ValueError):
        return value
    return value


def retype(doc: Document) -> Document:
    """Give the values of a document loaded from JSON their types back, in place.

    A stored result keeps money and dates as JSON strings, and the model's value union
    reads them back as `str`; the rules and the comparison with a reviewer's value need
    `Decimal` and `date`.
    """
    for name, f in doc.fields.items():
        f.value = _typed(kind_of(name), f.value)
        for alt in f.alternatives:
            alt.value = _typed(kind_of(name), alt.value)
    for item in doc.line_items:
        for col, cell in item.fields.items():
            cell.value = _typed(kind_of(col), cell.value)
    return doc
