"""Booking journal export: balanced double entry in Decimal, accounts per line and per rate."""

from __future__ import annotations

from decimal import Decimal

from paperclerk.export.journal import Journal, JournalAccounts, document_journal
from tests.unit.test_export_ubl import field, invoice


def by_account(journal: Journal) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for e in journal.entries:
        out[e.account] = out.get(e.account, Decimal(0)) + e.signed
    return out


def test_the_journal_balances_and_books_lines_vat_and_payable() -> None:
    journal = document_journal(invoice())
    assert journal.balance == Decimal(0)
    assert by_account(journal) == {
        "expense": Decimal("100.00"),
        "4930": Decimal("50.00"),
        "input_vat": Decimal("23.50"),
        "accounts_payable": Decimal("-173.50"),
    }
    vat = [(e.tax_rate, e.amount) for e in journal.entries if e.account == "input_vat"]
    assert vat == [(Decimal("19"), Decimal("19.00")), (Decimal("9"), Decimal("4.50"))]
    assert all(e.currency == "EUR" and e.amount >= 0 for e in journal.entries)


def test_the_default_expense_account_is_configurable() -> None:
    journal = document_journal(invoice(), JournalAccounts(expense="6300"))
    assert {e.account for e in journal.entries if e.side == "debit"} == {"6300", "4930",
                                                                         "input_vat"}  # fmt: skip


def test_a_total_that_differs_from_lines_plus_vat_is_booked_as_a_difference() -> None:
    doc = invoice(total=Decimal("173.49"))
    journal = document_journal(doc)
    assert journal.balance == Decimal(0)
    assert by_account(journal)["invoice_difference"] == Decimal("-0.01")


def test_a_credit_note_books_the_opposite_sides() -> None:
    journal = document_journal(invoice(invoice_type_code="381"))
    assert journal.balance == Decimal(0)
    assert by_account(journal)["accounts_payable"] == Decimal("173.50")
    assert by_account(journal)["expense"] == Decimal("-100.00")


def test_an_ocr_invoice_without_tax_details_uses_the_total_vat() -> None:
    doc = invoice()
    doc.tax_details = []
    doc.fields["total"] = field("total", "173,50")  # text, as a reviewer may leave it
    journal = document_journal(doc)
    assert journal.balance == Decimal(0)
    assert by_account(journal)["input_vat"] == Decimal("23.50")
    assert Journal.model_validate_json(journal.model_dump_json()) == journal
