"""Matching an invoice to a supplier: VAT id, then IBAN, then name confirmed by address.

1. `vendor_tax_id` equal to a supplier's VAT id once both are normalised;
2. else `vendor_iban` among a supplier's known IBANs;
3. else the vendor name close to a supplier's name (rapidfuzz `token_set_ratio` ≥ 90),
   confirmed by the supplier's postcode or city in the invoice's `vendor_address` when
   both sides have one — a common name alone must not pick the wrong company. Two
   suppliers equally close leave the invoice unmatched rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field
from rapidfuzz import fuzz, utils
from sqlalchemy.orm import Session

from paperclerk.model import Document
from paperclerk.payables.store import workspace_suppliers
from paperclerk.payables.supplier import normalise_iban, normalise_vat_id
from paperclerk.storage.tables import SupplierRow

NAME_MIN_SCORE = 90.0
"""Least rapidfuzz `token_set_ratio` (0–100) of a name match."""


class SupplierMatch(BaseModel):
    """The supplier an invoice was matched to, how, and with what score.

    `method` is `vat_id`, `iban`, `name+postcode`, `name+city` or `name` (nothing on either
    side to confirm the name with); `score` is 100 for the exact ones.
    """

    supplier_id: str
    supplier_number: str
    name: str
    method: str
    score: float = Field(ge=0, le=100)


@dataclass(frozen=True)
class InvoiceParty:
    """The vendor of an invoice as read: what matching compares."""

    tax_id: str | None
    iban: str | None
    name: str | None
    address: str | None


def invoice_party(doc: Document) -> InvoiceParty:
    """Return the vendor fields of a document, normalised for matching."""

    def text(name: str) -> str | None:
        value = doc.value(name)
        return str(value).strip() or None if value is not None else None

    return InvoiceParty(
        tax_id=normalise_vat_id(text("vendor_tax_id")),
        iban=normalise_iban(text("vendor_iban")),
        name=text("vendor_name"),
        address=text("vendor_address"),
    )


def _found(row: SupplierRow, method: str, score: float) -> SupplierMatch:
    return SupplierMatch(
        supplier_id=row.id,
        supplier_number=row.supplier_number,
        name=row.name,
        method=method,
        score=round(score, 1),
    )


def _contains(haystack: str, needle: str | None) -> bool:
    """Whether a postcode or city appears in an address as whole words (case ignored)."""
    if not needle:
        return False
    words = utils.default_process(needle)
    return bool(words) and re.search(rf"\b{re.escape(words)}\b", haystack) is not None


def _address_method(row: SupplierRow, address: str | None) -> str | None:
    """Return how the address confirms a name match (`name+postcode`, …), None if not.

    `name` when either side has nothing to confirm with.
    """
    if not address or not (row.postcode or row.city):
        return "name"
    processed = utils.default_process(address)
    if _contains(processed, row.postcode):
        return "name+postcode"
    if _contains(processed, row.city):
        return "name+city"
    return None


def match_party(suppliers: Sequence[SupplierRow], party: InvoiceParty) -> SupplierMatch | None:
    """Return the supplier an invoice's vendor is, among `suppliers`, or None."""
    if party.tax_id:
        for row in suppliers:
            if row.vat_id == party.tax_id:
                return _found(row, "vat_id", 100.0)
    if party.iban:
        for row in suppliers:
            if party.iban in (row.ibans or []):
                return _found(row, "iban", 100.0)
    if not party.name:
        return None
    scored: list[tuple[float, SupplierRow, str]] = []
    for row in suppliers:
        score = fuzz.token_set_ratio(party.name, row.name, processor=utils.default_process)
        if score < NAME_MIN_SCORE:
            continue
        method = _address_method(row, party.address)
        if method is not None:
            scored.append((score, row, method))
    if not scored:
        return None
    scored.sort(key=lambda s: -s[0])
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None  # two suppliers fit as well: do not guess
    score, row, method = scored[0]
    return _found(row, method, score)


def match_supplier(session: Session, workspace: str, doc: Document) -> SupplierMatch | None:
    """Return the workspace's supplier an invoice comes from, and how it matched, or None."""
    return match_party(workspace_suppliers(session, workspace), invoice_party(doc))
