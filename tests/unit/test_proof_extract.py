"""Payslips, bank statements and utility bills: fields, transactions and balance continuity."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from paperclerk.datasets import synthetic_sheet
from paperclerk.datasets.synthetic_docs import labelled_document
from paperclerk.datasets.synthetic_sheet import Sheet
from paperclerk.engines.base import OcrWord
from paperclerk.extract.bank_statement import CONTINUITY, UNCHECKED, BankStatementExtractor
from paperclerk.extract.payslip import PayslipExtractor
from paperclerk.extract.proof_common import join_legal_form, page_slope, parse_period
from paperclerk.extract.utility_bill import UtilityBillExtractor
from paperclerk.model import Box, DocType, Page
from paperclerk.pages.layout import build_page, split_line
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


@pytest.mark.parametrize("unit", ["Bâtiment F", "Building 3", "Haus B", "Flat 12"])
def test_building_line_over_the_street_is_address_not_name(unit: str) -> None:
    """A third address line naming a building is part of the address, not the addressee."""
    sheet = _sheet(5)
    sheet.title("Riverside Water Company")
    sheet.block(["Paul Galkelbel", unit, "165 rue Lokel", "51990 Lumsal"])
    sheet.pair("Bill date", "14/02/2024")
    sheet.pair("Amount due", "84,20 €")
    fields = UtilityBillExtractor().extract(sheet.pages()).fields
    assert fields["customer_name"].value == "Paul Galkelbel"
    assert fields["customer_address"].value == f"{unit}, 165 rue Lokel, 51990 Lumsal"


def test_building_line_is_not_the_account_holder_or_employee() -> None:
    statement = _sheet(3)
    statement.title("Hanseatic Savings Bank")
    statement.block(["Jonas Belkeldor", "Haus B", "Lindenweg 4", "20095 Hamburg"])
    statement.pair("IBAN", "DE89 3704 0044 0532 0130 00")
    holder = BankStatementExtractor().extract(statement.pages()).fields["account_holder"]
    assert holder.value == "Jonas Belkeldor"
    slip = _sheet(4)
    slip.title("Northwind Traders Ltd")
    slip.block(["Ava Uljunros", "Bâtiment A", "12 rue Haute", "44003 Tesyarhol"])
    slip.pair("Salaire brut", "3 250,00 €")
    employee = PayslipExtractor().extract(slip.pages()).fields["employee"]
    assert employee.value == "Ava Uljunros"


@pytest.mark.parametrize("unit", ["Apt 32F", "Suite 200", "Unit 5"])
def test_us_unit_line_stays_in_the_address(unit: str) -> None:
    """``Apt 4B`` under a street whose number reads like a postcode (``1085 ...``) is kept."""
    sheet = _sheet(6)
    sheet.title("Lakeshore Power Inc.")
    sheet.block(["Tara Velkor", "1085 Vikith Avenue", unit, "Yarhol, PA 57746"])
    sheet.pair("Bill date", "03/14/2024")
    sheet.pair("Amount due", "$84.20")
    fields = UtilityBillExtractor().extract(sheet.pages()).fields
    assert fields["customer_name"].value == "Tara Velkor"
    assert fields["customer_address"].value == f"1085 Vikith Avenue, {unit}, Yarhol, PA 57746"


def test_particles_inside_a_name_keep_it_a_person() -> None:
    sheet = _sheet(5)
    sheet.title("Brouwer Waterbedrijf")
    sheet.block(["Ilse de Jong", "Dorpsstraat 16", "1492 EG Amsterdam"])
    sheet.pair("Te betalen", "€ 84,20")
    fields = UtilityBillExtractor().extract(sheet.pages()).fields
    assert fields["customer_name"].value == "Ilse de Jong"
    assert fields["provider"].value == "Brouwer Waterbedrijf"


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("Rimar Ullum Gm bH", "Rimar Ullum GmbH"),
        ("Dorlo Ithbra B. V.", "Dorlo Ithbra B.V."),
        ("Belros Dorsal S. A.", "Belros Dorsal S.A."),
        ("Northwind Traders L td", "Northwind Traders Ltd"),
    ],
)
def test_split_legal_form_is_joined(printed: str, name: str) -> None:
    sheet = _sheet()
    sheet.title("Payslip")
    sheet.block([printed, "12 Harbour Road", "Leeds LS1 4AB"])
    sheet.pair("Employee", "Jane Doe")
    sheet.pair("Gross pay", "£3,250.00")
    assert PayslipExtractor().extract(sheet.pages()).fields["employer"].value == name
    bill = _sheet(5)
    bill.title(printed)
    bill.block(["Ms Anna Berg", "7 Mill Lane", "Bristol BS1 5TR"])
    bill.pair("Amount due", "£84.20")
    assert UtilityBillExtractor().extract(bill.pages()).fields["provider"].value == name


@pytest.mark.parametrize("text", ["Haus A G", "Jo Ab Cd", "Paul Block"])
def test_initials_are_not_joined_into_a_legal_form(text: str) -> None:
    assert join_legal_form(text) == text


def _tilted_payslip(slope: float) -> list[Page]:
    """A payslip scanned turned by ``slope`` (rise per pixel): labels left, amounts right."""
    cells = [
        (100, 80, "Northwind Traders Ltd"), (700, 80, "Payslip"),
        (600, 160, "Pay date:"), (850, 160, "28/03/2024"),
        (600, 205, "Pay period:"), (850, 205, "01/03/2024 - 31/03/2024"),
        (600, 250, "Employee:"), (850, 250, "Jane Doe"),
        (100, 360, "Description"), (650, 360, "Hours"), (1000, 360, "Amount"),
        (100, 405, "Basic salary"), (650, 405, "160"), (1000, 405, "2,000.00"),
        (100, 450, "Overtime"), (650, 450, "25"), (1000, 450, "1,250.00"),
        (100, 495, "Gross pay"), (1000, 495, "3,250.00"),
        (100, 585, "Income tax"), (1000, 585, "-400.00"),
        (100, 630, "Pension"), (1000, 630, "-150.00"),
        (100, 720, "Net pay"), (1000, 720, "2,700.00"),
    ]  # fmt: skip
    words: list[OcrWord] = []
    for key, (x, y, text) in enumerate(cells):
        width = 15.0 * len(text)
        top = y + slope * (x + width / 2)
        words += split_line(text, Box(x0=x, y0=top, x1=x + width, y1=top + 30), 0.95, key)
    return [build_page(0, 1240, 1754, words)]


@pytest.mark.parametrize("slope", [-0.02, 0.0, 0.018])
def test_gross_pay_on_a_tilted_scan(slope: float) -> None:
    """A page turned by a degree lifts the amount at the right margin off its label's row."""
    fields = PayslipExtractor().extract(_tilted_payslip(slope)).fields
    assert fields["gross_pay"].value == Decimal("3250.00")
    assert fields["net_pay"].value == Decimal("2700.00")
    assert fields["employee"].value == "Jane Doe"


def test_level_page_has_no_tilt() -> None:
    assert page_slope(_tilted_payslip(0.0)[0]) == 0.0
    assert page_slope(_tilted_payslip(-0.02)[0]) == pytest.approx(-0.02, abs=0.004)


def test_label_glued_to_its_value_is_found() -> None:
    sheet = _sheet()
    sheet.title("Rimar Ullum GmbH")
    sheet.line("AbrechnungszeitraumJuni 2025")
    sheet.line("AuszahlungsdatumAm 27.06.2025")
    sheet.pair("Gesamtbrutto", "3.250,00 €")
    fields = PayslipExtractor().extract(sheet.pages()).fields
    assert fields["period_start"].value == dt.date(2025, 6, 1)
    assert fields["period_end"].value == dt.date(2025, 6, 30)


def test_addressee_whose_capitals_ocr_lost_is_still_the_customer() -> None:
    sheet = _sheet(5)
    sheet.title("Ripa Energy")
    sheet.block(["Greta junjunjun", "98 Yargal Road", "Dorbra SQ17 1BC"])
    sheet.pair("Amount due", "£84.20")
    fields = UtilityBillExtractor().extract(sheet.pages()).fields
    assert fields["customer_name"].value == "Greta junjunjun"
    assert fields["provider"].value == "Ripa Energy"


def test_uk_postcode_read_with_a_zero_for_o() -> None:
    sheet = _sheet(5)
    sheet.title("Yarnor Energy")
    sheet.block(["Cora Belgal", "17 Norith Street", "Ulfin BX9 70G"])
    sheet.pair("Amount due", "£84.20")
    fields = UtilityBillExtractor().extract(sheet.pages()).fields
    assert fields["customer_name"].value == "Cora Belgal"
    assert fields["customer_address"].value == "17 Norith Street, Ulfin BX9 7OG"


def test_dutch_bill_postcode_direct_debit_and_title() -> None:
    """A Dutch postcode's letters are no currency, a direct-debit day is the due date, and a
    bill's own title line is not its provider."""
    sheet = _sheet(5)
    sheet.title("Kelholm Energie")
    sheet.line("Uw jaarafrekening elektriciteit")
    sheet.block(["Ilse de Jong", "Dorpsstraat 12", "4715 RM Almere"])
    sheet.pair("Factuurdatum", "14-02-2024")
    sheet.pair("Totaal te betalen", "€ 84,20")
    sheet.line("Wij schrijven het bedrag automatisch af op 07-03-2024")
    fields = UtilityBillExtractor().extract(sheet.pages()).fields
    assert fields["provider"].value == "Kelholm Energie"
    assert fields["customer_name"].value == "Ilse de Jong"
    assert fields["customer_address"].value == "Dorpsstraat 12, 4715 RM Almere"
    assert fields["currency"].value == "EUR"
    assert fields["due_date"].value == dt.date(2024, 3, 7)
    assert fields["amount_due"].value == Decimal("84.20")
