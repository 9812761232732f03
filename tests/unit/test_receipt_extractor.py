import datetime as dt
from decimal import Decimal

from paperclerk.extract.receipt import RuleReceiptExtractor
from paperclerk.model import FieldSource
from tests.conftest import page_from_lines

RECEIPT = [
    (100, 10, "Kedai Runcit Maju Sdn Bhd"),
    (180, 35, "(1234567-K)"),
    (90, 60, "NO. 12, JALAN MERANTI 3,"),
    (80, 85, "TAMAN SRI MUDA, 40400 SHAH ALAM"),
    (150, 110, "TEL: 03-5512 8890"),
    (120, 135, "GST ID: 001234567890"),
    (20, 170, "RECEIPT NO: CS-0087"),
    (20, 195, "DATE: 12/04/2018"),
    (300, 195, "TIME: 14:32"),
    (20, 230, "MILO 3IN1 18X30G"),
    (400, 230, "12.90"),
    (20, 255, "BREAD 400G 2 x 3.80"),
    (400, 255, "7.60"),
    (20, 290, "SUBTOTAL"),
    (400, 290, "20.50"),
    (20, 315, "TOTAL (RM)"),
    (400, 315, "20.50"),
    (20, 340, "CASH"),
    (400, 340, "50.00"),
    (20, 365, "CHANGE"),
    (400, 365, "29.50"),
]


def test_receipt_fields() -> None:
    result = RuleReceiptExtractor().extract([page_from_lines(RECEIPT)])
    f = result.fields
    assert f["merchant_name"].value == "KEDAI RUNCIT MAJU SDN BHD"
    assert f["merchant_name"].raw_text == "Kedai Runcit Maju Sdn Bhd"
    assert f["merchant_address"].value == "NO. 12, JALAN MERANTI 3, TAMAN SRI MUDA, 40400 SHAH ALAM"
    assert f["transaction_date"].value == dt.date(2018, 4, 12)
    assert f["transaction_time"].value == dt.time(14, 32)
    assert f["total"].value == Decimal("20.50")
    assert f["subtotal"].value == Decimal("20.50")
    assert f["currency"].value == "MYR"
    assert f["payment_method"].value == "cash"
    assert f["receipt_number"].value == "CS-0087"
    assert f["total"].source == FieldSource.RULE
    prov = f["total"].provenance
    assert prov is not None and prov.word_ids and prov.box is not None


def test_receipt_line_items() -> None:
    items = RuleReceiptExtractor().extract([page_from_lines(RECEIPT)]).line_items
    descs = [i.value("description") for i in items]
    assert descs == ["MILO 3IN1 18X30G", "BREAD 400G"]
    assert items[1].value("quantity") == Decimal("2")
    assert items[1].value("unit_price") == Decimal("3.80")
    assert items[1].value("total_price") == Decimal("7.60")


def test_as_printed_case() -> None:
    result = RuleReceiptExtractor(name_case="as_printed").extract([page_from_lines(RECEIPT)])
    assert result.fields["merchant_name"].value == "Kedai Runcit Maju Sdn Bhd"


def test_total_prefers_rounded_and_ignores_tax_summary() -> None:
    lines = [
        (100, 10, "SHOP ENTERPRISE"),
        (20, 60, "TOTAL SALES INCL GST"),
        (400, 60, "88.97"),
        (20, 85, "ROUNDING ADJ"),
        (400, 85, "-0.02"),
        (20, 110, "TOTAL AFTER ADJ INCL GST"),
        (400, 110, "88.95"),
        (20, 135, "CASH"),
        (400, 135, "100.00"),
        (20, 160, "CHANGE"),
        (400, 160, "11.05"),
        (20, 200, "GST SUMMARY"),
        (20, 225, "TOTAL"),
        (300, 225, "83.93"),
        (400, 225, "5.04"),
    ]
    f = RuleReceiptExtractor().extract([page_from_lines(lines)]).fields
    assert f["total"].value == Decimal("88.95")
    assert Decimal("88.97") in [a.value for a in f["total"].alternatives]


def _total(lines: list[tuple[int, int, str]]) -> object:
    field = RuleReceiptExtractor().extract([page_from_lines(lines)]).fields.get("total")
    return field.value if field else None


def test_a_total_printed_alone_does_not_take_the_row_below_when_that_is_no_total() -> None:
    # The keyword's amount missing from its row: the subtotal below is not the total.
    qty = [(20, 60, "TOTAL QUANTITY 3"), (20, 85, "SUB-TOTAL 49.06"), (20, 110, "GST 2.94"),
           (20, 135, "TOTAL 52-00"), (20, 160, "CASH 52:00"), (20, 185, "CHANGE 0.00")]  # fmt: skip
    assert _total(qty) == Decimal("52.00")  # '-' read for the decimal point beside TOTAL
    # Cash handed over below a lone "Total" is the total only if no change was given back.
    change = [(20, 60, "Item-Counts 9"), (20, 85, "Total After Rounding"), (20, 110, "Cash 50.00"),
              (20, 135, "CHANGE 28.60")]  # fmt: skip
    assert _total(change) == Decimal("21.40")
    exact = [(20, 85, "TOTAL"), (20, 110, "CASH 153.35"), (20, 135, "CHANGE 0.00")]
    assert _total(exact) == Decimal("153.35")


def test_empty_pages_give_no_fields() -> None:
    assert RuleReceiptExtractor().extract([]).fields == {}
