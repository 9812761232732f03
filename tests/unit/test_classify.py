from collections.abc import Callable

import pytest

from paperclerk.model import DocType, Page
from paperclerk.pipeline.classify import classify_pages, classify_pages_rules
from tests.conftest import page_from_lines

Classifier = Callable[[list[Page]], tuple[DocType, float, dict[str, float]]]
BOTH = pytest.mark.parametrize(
    "classify", [classify_pages, classify_pages_rules], ids=["model", "rules"]
)


@BOTH
def test_receipt(classify: Classifier) -> None:
    page = page_from_lines(
        [(0, 0, "SIMPLIFIED TAX INVOICE"), (0, 30, "CASH 10.00"), (0, 60, "CHANGE 1.00")]
    )
    assert classify([page])[0] == DocType.RECEIPT


@BOTH
def test_invoice(classify: Classifier) -> None:
    page = page_from_lines(
        [
            (0, 0, "INVOICE"),
            (0, 30, "Bill to: ACME"),
            (0, 60, "Due date 01.02.2024"),
            (0, 90, "IBAN DE89"),
        ]
    )
    doc_type, conf, scores = classify([page])
    assert doc_type == DocType.INVOICE and 0.0 < conf <= 1.0
    if classify is classify_pages_rules:
        assert conf > 0.5  # softmax over keyword scores; the model's scale differs
    else:
        assert conf == max(scores.values())


@BOTH
def test_passport(classify: Classifier) -> None:
    page = page_from_lines(
        [(0, 0, "PASSPORT"), (0, 30, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<")]
    )
    assert classify([page])[0] == DocType.IDENTITY_DOCUMENT


@BOTH
def test_other(classify: Classifier) -> None:
    page = page_from_lines([(0, 0, "Dear Sir, we write about your hedge.")])
    assert classify([page])[0] == DocType.OTHER
