"""Payslips, bank statements and utility bills: fields, transactions and balance continuity."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from paperclerk.datasets import synthetic_sheet
from paperclerk.datasets.synthetic_docs import labelled_document
from paperclerk.datasets.synthetic_sheet import Sheet
from paperclerk.extract.bank_statement import CONTINUITY, UNCHECKED, BankStatementExtractor
from paperclerk.extract.payslip import PayslipExtractor
from paperclerk.extract.proof_common import parse_period
from paperclerk.extract.utility_bill import UtilityBillExtractor
from paperclerk.model import DocType
from paperclerk.pipeline.extractors import extractor_for


def _sheet(seed: int = 1) -> Sheet:
    sheet = Sheet(random.Random(seed))
    sheet.noise, sheet.upper, sheet.style = 0.0, False, "colon"
    return sheet


def _same(expected: str, got: object) -> bool:
    if isinstance(got, Decimal):
        return got == Decimal(expected)
    if isinstance(got, dt.date):
        return got.isoformat() == expected
    fold = " ".join("".join(c if c.isalnum() else " " for c in str(got).casefold()).split())
    return fold == " ".join("".join(c if c.isalnum() else " " for c in expected.casefold()).split())


@pytest.mark.parametrize(
    "doc_type", [DocType.PAYSLIP, DocType.BANK_STATEMENT, DocType.UTILITY_BILL]
)
def test_generated_documents_read_back(doc_type: DocType, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without OCR noise, nearly every field the generator printed is read back exactly."""
    monkeypatch.setattr(synthetic_sheet, "ocr_noise", lambda text, rng, rate: text)
    extractor = extractor_for(doc_type)
    assert extractor is not None
    rng = random.Random(11)
    right = total = 0
    for _ in range(25):
        pages, _, truth, _ = labelled_document(doc_type, rng)
        fields = extractor.extract(pages).fields
        for name, expected in truth.items():
            total += 1
            right += name in fields and _same(expected, fields[name].value)
    assert right / total >= 0.93, f"{right}/{total}"


def test_payslip_fields_with_provenance() -> None:
    sheet = _sheet()
    sheet.title("Payslip")
    sheet.block(["Northwind Traders Ltd", "12 Harbour Road", "Leeds LS1 4AB"])
    sheet.pair("Pay period", "01/03/2024 - 31/03/2024")
    sheet.pair("Pay date", "28/03/2024")
    sheet.pair("Employee", "Jane Doe")
    sheet.pair("Gross pay", "£3,250.00")
    sheet.pair("Total deductions", "£612.40")
    sheet.pair("Net pay", "£2,637.60")
    fields = PayslipExtractor().extract(sheet.pages()).fields
    assert fields["employer"].value == "Northwind Traders Ltd"
    assert fields["employee"].value == "Jane Doe"
    assert fields["period_start"].value == dt.date(2024, 3, 1)
    assert fields["period_end"].value == dt.date(2024, 3, 31)
    assert fields["pay_date"].value == dt.date(2024, 3, 28)
    assert fields["gross_pay"].value == Decimal("3250.00")
    assert fields["net_pay"].value == Decimal("2637.60")
    assert fields["currency"].value == "GBP"
    net = fields["net_pay"]
    assert net.provenance is not None and net.provenance.box is not None
    assert net.provenance.word_ids


def test_net_above_gross_lowers_both() -> None:
    sheet = _sheet()
    sheet.pair("Gross pay", "1,000.00")
    sheet.pair("Net pay", "2,000.00")
    fields = PayslipExtractor().extract(sheet.pages()).fields
    sure = _sheet()
    sure.pair("Gross pay", "2,000.00")
    sure.pair("Net pay", "1,000.00")
    fine = PayslipExtractor().extract(sure.pages()).fields
    assert fields["net_pay"].confidence < fine["net_pay"].confidence


def test_bank_statement_transactions_and_continuity() -> None:
    sheet = _sheet(3)
    sheet.title("Hanseatic Savings Bank")
    sheet.block(["Max Mustermann", "Lindenweg 4", "20095 Hamburg"])
    sheet.pair("IBAN", "DE89 3704 0044 0532 0130 00")
    sheet.pair("Zeitraum", "01.03.2024 - 31.03.2024")
    sheet.pair("Alter Kontostand", "1.000,00")
    sheet.table_head("Datum", "Vorgang", "Betrag", "Saldo")
    sheet.row("03.03.", "MIETE MÄRZ", "-750,00", "250,00")
    sheet.row("15.03.", "GEHALT NORTHWIND", "2.400,50", "2.650,50")
    sheet.row("20.03.", "KARTENZAHLUNG", "-50,50", "2.600,00")
    sheet.pair("Neuer Kontostand", "2.600,00")
    out = BankStatementExtractor().extract(sheet.pages())
    f = out.fields
    assert f["bank"].value == "Hanseatic Savings Bank"
    assert f["account_holder"].value == "Max Mustermann"
    assert f["iban"].value == "DE89370400440532013000"
    assert f["iban"].confidence >= 0.9
    assert (f["period_start"].value, f["period_end"].value) == (
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 31),
    )
    assert f["opening_balance"].value == Decimal("1000.00")
    assert f["closing_balance"].value == Decimal("2600.00")
    rows = [(i.fields["date"].value, i.fields["amount"].value) for i in out.line_items]
    assert rows == [
        (dt.date(2024, 3, 3), Decimal("-750.00")),
        (dt.date(2024, 3, 15), Decimal("2400.50")),
        (dt.date(2024, 3, 20), Decimal("-50.50")),
    ]
    assert out.line_items[1].fields["description"].value == "GEHALT NORTHWIND"
    (check,) = [x for x in out.findings if x.rule_id == CONTINUITY]
    assert check.passed


def test_edited_balance_breaks_continuity() -> None:
    sheet = _sheet(3)
    sheet.pair("Opening balance", "100.00")
    sheet.table_head("Date", "Details", "Amount", "Balance")
    sheet.row("02/03/2024", "CARD PAYMENT", "-20.00", "80.00")
    sheet.row("05/03/2024", "TRANSFER IN", "500.00", "980.00")  # edited: 580.00 is right
    sheet.pair("Closing balance", "980.00")
    out = BankStatementExtractor().extract(sheet.pages())
    (check,) = [x for x in out.findings if x.rule_id == CONTINUITY]
    assert not check.passed
    assert "row 2" in check.message and "580.00" in check.message


def test_unsigned_amounts_take_the_sign_of_their_column_or_balance() -> None:
    sheet = _sheet(4)
    sheet.pair("Statement period", "01/04/2024 - 30/04/2024")
    sheet.pair("Opening balance", "500.00")
    sheet.table_head("Date", "Details", "Paid out", "Paid in", "Balance")
    sheet.row("02 Apr", "RENT", "400.00", "", "100.00")
    sheet.row("25 Apr", "SALARY", "", "1,500.00", "1,600.00")
    sheet.pair("Closing balance", "1,600.00")
    out = BankStatementExtractor().extract(sheet.pages())
    amounts = [i.fields["amount"].value for i in out.line_items]
    dates = [i.fields["date"].value for i in out.line_items]
    assert amounts == [Decimal("-400.00"), Decimal("1500.00")]
    assert dates == [dt.date(2024, 4, 2), dt.date(2024, 4, 25)]
    assert [x.passed for x in out.findings if x.rule_id == CONTINUITY] == [True]


def test_statement_without_rows_is_reported_unchecked() -> None:
    sheet = _sheet()
    sheet.title("Some Bank")
    sheet.line("Nothing to see here")
    out = BankStatementExtractor().extract(sheet.pages())
    assert [x.rule_id for x in out.findings] == [UNCHECKED]


def test_utility_bill_fields() -> None:
    sheet = _sheet(5)
    sheet.title("Riverside Water Company")
    sheet.line("Your water bill")
    sheet.block(["Ms Anna Berg", "7 Mill Lane", "Bristol BS1 5TR"])
    sheet.pair("Bill date", "14 February 2024")
    sheet.pair("Account number", "8263 3100")
    sheet.pair("Amount due", "£84.20")
    sheet.pair("Due date", "07/03/2024")
    fields = UtilityBillExtractor().extract(sheet.pages()).fields
    assert fields["provider"].value == "Riverside Water Company"
    assert fields["customer_name"].value == "Ms Anna Berg"
    assert fields["customer_address"].value == "7 Mill Lane, Bristol BS1 5TR"
    assert fields["issue_date"].value == dt.date(2024, 2, 14)
    assert fields["amount_due"].value == Decimal("84.20")
    assert fields["due_date"].value == dt.date(2024, 3, 7)
    assert fields["currency"].value == "GBP"


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("01.03.2024 - 31.03.2024", dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
        ("March 2024", dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
        ("Februar 2024", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("02/2023", dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
        ("du 1 octobre 2021 au 31/10/2021", dt.date(2021, 10, 1), dt.date(2021, 10, 31)),
    ],
)
def test_periods(text: str, first: dt.date, last: dt.date) -> None:
    found = parse_period(text)
    assert found is not None and found[:2] == (first, last)


def test_a_single_day_is_not_a_period() -> None:
    assert parse_period("16 septembre 2024") is None
