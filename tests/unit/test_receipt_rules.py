"""Receipt rules that check the total against what else the receipt prints."""

from decimal import Decimal

from paperclerk.extract.receipt_amounts import drop_implausible_tax
from paperclerk.model import DocType, Document, ExtractedField
from paperclerk.rules.basic import paid_minus_change
from tests.conftest import page_from_lines


def _receipt(total: str, lines: list[str]) -> Document:
    doc = Document(sha256="x", media_type="image/png", size_bytes=1, doc_type=DocType.RECEIPT)
    doc.pages = [page_from_lines([(20, 20 + 30 * i, text) for i, text in enumerate(lines)])]
    doc.fields["total"] = ExtractedField(name="total", value=Decimal(total), confidence=0.99)
    return doc


def test_a_total_that_is_not_cash_less_change_is_flagged() -> None:
    lines = ["TOTAL 33.00", "CASH 55.00", "CHANGE RETURNED 20.00-"]
    [finding] = paid_minus_change(_receipt("33.00", lines))
    assert not finding.passed and finding.severity.value == "warning"
    assert finding.message == "cash paid less change is 35.00, total is 33.00"
    [finding] = paid_minus_change(_receipt("35.00", lines))
    assert finding.passed


def test_no_cash_line_means_no_finding() -> None:
    assert paid_minus_change(_receipt("35.00", ["TOTAL 35.00", "VISA 35.00"])) == []


def test_a_tax_as_large_as_the_total_is_no_tax() -> None:
    fields = {
        "total": ExtractedField(name="total", value=Decimal("16.00"), confidence=0.9),
        "total_tax": ExtractedField(name="total_tax", value=Decimal("16.00"), confidence=0.5),
    }
    drop_implausible_tax(fields)
    assert "total_tax" not in fields
    fields["total_tax"] = ExtractedField(name="total_tax", value=Decimal("0.91"), confidence=0.5)
    drop_implausible_tax(fields)
    assert fields["total_tax"].value == Decimal("0.91")


def test_a_name_with_a_digit_inside_a_word_is_flagged() -> None:
    from paperclerk.rules.basic import name_look_alikes

    doc = _receipt("1.00", ["URBAN 1DEA SDN BHD"])
    doc.fields["merchant_name"] = ExtractedField(
        name="merchant_name", value="URBAN 1DEA SDN BHD", confidence=0.9
    )
    [finding] = name_look_alikes(doc)
    assert finding.rule_id == "names.look_alike_digits" and "1DEA" in finding.message
    for fine in ("7-ELEVEN MALAYSIA", "99 SPEED MART S/B", "ZEN AND COFFEE 28 S/B"):
        doc.fields["merchant_name"] = ExtractedField(
            name="merchant_name", value=fine, confidence=0.9
        )
        assert name_look_alikes(doc) == []
