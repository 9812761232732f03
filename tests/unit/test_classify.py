from paperclerk.model import DocType
from paperclerk.pipeline.classify import classify_pages
from tests.conftest import page_from_lines


def test_receipt() -> None:
    page = page_from_lines(
        [(0, 0, "SIMPLIFIED TAX INVOICE"), (0, 30, "CASH 10.00"), (0, 60, "CHANGE 1.00")]
    )
    assert classify_pages([page])[0] == DocType.RECEIPT


def test_invoice() -> None:
    page = page_from_lines(
        [
            (0, 0, "INVOICE"),
            (0, 30, "Bill to: ACME"),
            (0, 60, "Due date 01.02.2024"),
            (0, 90, "IBAN DE89"),
        ]
    )
    doc_type, conf, _ = classify_pages([page])
    assert doc_type == DocType.INVOICE and 0.5 < conf <= 1.0


def test_passport() -> None:
    page = page_from_lines(
        [(0, 0, "PASSPORT"), (0, 30, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<")]
    )
    assert classify_pages([page])[0] == DocType.IDENTITY_DOCUMENT


def test_other() -> None:
    page = page_from_lines([(0, 0, "Dear Sir, we write about your hedge.")])
    assert classify_pages([page])[0] == DocType.OTHER
