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


def test_abstains_below_the_floor_and_keeps_the_scores() -> None:
    from paperclerk.learning.doctype_floors import ABSTAIN_FLOOR, SYNTHETIC_ONLY_FLOOR, abstain

    scores = {"invoice": 0.45, "other": 0.3, "receipt": 0.25}
    assert abstain(DocType.INVOICE, 0.45, scores) == (DocType.OTHER, 0.45, scores)
    assert abstain(DocType.INVOICE, ABSTAIN_FLOOR, scores)[0] == DocType.INVOICE
    assert abstain(DocType.RECEIPT, 0.97, scores)[0] == DocType.RECEIPT
    assert abstain(DocType.OTHER, 0.2, scores)[0] == DocType.OTHER
    # Types learnt from synthetic pages only have their own floor.
    assert abstain(DocType.PAYSLIP, SYNTHETIC_ONLY_FLOOR - 0.01, {})[0] == DocType.OTHER
    assert abstain(DocType.UTILITY_BILL, SYNTHETIC_ONLY_FLOOR, {})[0] == DocType.UTILITY_BILL


def test_classify_pages_abstains(monkeypatch: pytest.MonkeyPatch) -> None:
    from paperclerk.pipeline import classify

    class Unsure:
        def predict(self, pages: list[Page]) -> tuple[DocType, float, dict[str, float]]:
            return DocType.BANK_STATEMENT, 0.45, {"bank_statement": 0.45, "other": 0.4}

    monkeypatch.setattr(classify, "default_model", lambda: Unsure())
    page = page_from_lines([(0, 0, "Opening balance 10.00")])
    assert classify.classify_pages([page]) == (
        DocType.OTHER,
        0.45,
        {"bank_statement": 0.45, "other": 0.4},
    )


@pytest.mark.parametrize(
    "lines",
    [
        ["FACTUUR", "Factuurnummer 2024-17", "Vervaldatum 01-03-2024", "Totaal incl. BTW 121,00"],
        ["FACTURE", "Échéance 01/03/2024", "Montant TTC 120,00 €", "TVA 20%"],
        ["Rechnung", "Rechnungsnummer 17", "Fällig am 01.03.2024", "Gesamtbetrag 119,00 EUR"],
    ],
    ids=["nl", "fr", "de"],
)
def test_rules_know_invoice_words_of_three_languages(lines: list[str]) -> None:
    page = page_from_lines([(0, 30 * i, text) for i, text in enumerate(lines)])
    assert classify_pages_rules([page])[0] == DocType.INVOICE
