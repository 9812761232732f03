"""Matching an invoice's vendor to a supplier: VAT id, IBAN, name confirmed by address."""

from __future__ import annotations

from paperclerk.payables.matching import InvoiceParty, match_party
from paperclerk.storage.tables import SupplierRow

SUPPLIERS = [
    SupplierRow(
        id="a" * 32, supplier_number="S1", name="Muster Bürobedarf GmbH", vat_id="DE136695976",
        ibans=["DE89370400440532013000"], postcode="10115", city="Berlin",
    ),
    SupplierRow(
        id="b" * 32, supplier_number="S2", name="Papier Schmidt KG", vat_id=None,
        ibans=["GB82WEST12345698765432"], postcode="80331", city="München",
    ),
    SupplierRow(
        id="c" * 32, supplier_number="S3", name="Acme Office Supplies Ltd", vat_id=None,
        ibans=[], postcode="BS1 5TR", city="Bristol",
    ),
]  # fmt: skip


def party(**values: str) -> InvoiceParty:
    return InvoiceParty(
        tax_id=values.get("tax_id"),
        iban=values.get("iban"),
        name=values.get("name"),
        address=values.get("address"),
    )


def test_vat_id_wins_over_everything_else() -> None:
    m = match_party(SUPPLIERS, party(tax_id="DE136695976", name="Papier Schmidt KG"))
    assert m is not None and (m.supplier_number, m.method, m.score) == ("S1", "vat_id", 100.0)


def test_iban_matches_when_there_is_no_vat_id() -> None:
    m = match_party(SUPPLIERS, party(iban="GB82WEST12345698765432", name="Someone"))
    assert m is not None and (m.supplier_number, m.method) == ("S2", "iban")


def test_name_confirmed_by_postcode_or_city() -> None:
    m = match_party(
        SUPPLIERS, party(name="ACME Office Supplies", address="1 Quay St, Bristol BS1 5TR")
    )
    assert m is not None and (m.supplier_number, m.method) == ("S3", "name+postcode")
    assert m.score >= 90
    m = match_party(SUPPLIERS, party(name="Papier Schmidt", address="Marienplatz 1, München"))
    assert m is not None and m.method == "name+city"


def test_name_contradicted_by_the_address_or_too_far_is_no_match() -> None:
    assert match_party(SUPPLIERS, party(name="Acme Office Supplies", address="Leeds LS1")) is None
    assert match_party(SUPPLIERS, party(name="Globex Corporation")) is None
    assert match_party(SUPPLIERS, party(tax_id="FR40303265045")) is None
