"""The trained document-type classifier on a tiny in-repo corpus (no ../shared needed)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from paperclerk.datasets.dataset import DocTypeExample
from paperclerk.learning.doctype import DocTypeClassifier, inference_path
from paperclerk.learning.doctype_inference import DocTypeModel, char_wb_ngrams, word_ngrams
from paperclerk.model import DocType, Page
from paperclerk.pipeline import classify
from tests.conftest import page_from_lines

SHOPS = ["GREEN MART", "KEDAI ALI", "CAFE LUNA", "BOOKXCESS", "SPEEDY MART", "PASAR 99"]
ITEMS = ["MILO 1KG", "NASI LEMAK", "KOPI O", "BREAD", "EGGS 10S", "TISSUE", "PEN BLUE"]
VENDORS = ["Acme Supplies Ltd", "Nordlicht GmbH", "Atelier Dupont SARL", "Blue Fin Consulting"]
COUNTRIES = ["UTO", "D<<", "FRA", "NLD", "GBR", "CAN"]
NAMES = ["ERIKSSON<<ANNA<MARIA", "MUSTERMANN<<ERIKA", "MARTIN<<PAUL", "SMITH<<JOHN<PETER"]


def _page(texts: list[str]) -> list[Page]:
    return [page_from_lines([(20, 30 * i, t) for i, t in enumerate(texts)])]


def receipt(rng: random.Random) -> list[Page]:
    items = [f"{rng.choice(ITEMS)} {rng.randint(1, 3)} x {rng.randint(1, 30)}.50" for _ in "abc"]
    return _page(
        [
            rng.choice(SHOPS),
            "TAX INVOICE",
            f"CASHIER: {rng.randint(1, 9)}",
            *items,
            f"TOTAL RM {rng.randint(10, 90)}.00",
            "CASH 100.00",
            "CHANGE 3.40",
            "THANK YOU",
        ]
    )


def invoice(rng: random.Random) -> list[Page]:
    return _page(
        [
            rng.choice(VENDORS),
            "INVOICE",
            f"Invoice number: INV-{rng.randint(100, 999)}",
            f"Invoice date: 0{rng.randint(1, 9)}.03.2024",
            "Bill to: Widget Works",
            f"Consulting services {rng.randint(2, 40)} h",
            "Subtotal 1,200.00",
            "VAT 19% 228.00",
            "Payment terms: 30 days net",
            "Due date: 30.04.2024",
            "IBAN DE89 3704 0044",
        ]
    )


def identity(rng: random.Random) -> list[Page]:
    name = rng.choice(NAMES)
    return _page(
        [
            "PASSPORT / PASSEPORT",
            "Surname / Nom",
            name.split("<<")[0],
            "Nationality",
            f"Date of birth {rng.randint(10, 28)} AUG 74",
            "Sex F",
            f"P<{rng.choice(COUNTRIES)}{name}<<<<<<<<<<<<<<<<<",
            f"L898902C3{rng.randint(0, 9)}UTO7408122F1204159ZE184226B<<<<<10",
        ]
    )


def other(rng: random.Random) -> list[Page]:
    topic = rng.choice(["the garden fence", "our hedge", "the school trip", "the meeting"])
    return _page(
        [
            f"Dear {rng.choice(['Sir', 'Madam', 'Anna', 'neighbour'])},",
            f"we are writing to you about {topic}.",
            "We hope you are well.",
            "Please let us know what you think.",
            "Kind regards,",
            "Tom",
        ]
    )


def payslip(rng: random.Random) -> list[Page]:
    return _page(
        [
            "PAYSLIP",
            f"Employee: {rng.choice(['Ann Lee', 'Bo Chan', 'Cy Roe', 'Di Fox'])}",
            f"Pay period: {rng.choice(['March', 'April', 'May', 'June'])} 2024",
            f"Basic salary {rng.randint(2, 5)},000.00",
            "Income tax 400.00",
            "National Insurance 120.00",
            "Gross pay 3,000.00",
            "Net pay 2,480.00",
        ]
    )


BASE = {
    DocType.RECEIPT: receipt,
    DocType.INVOICE: invoice,
    DocType.IDENTITY_DOCUMENT: identity,
    DocType.OTHER: other,
}


def corpus(per_class: int, seed: int = 7) -> list[DocTypeExample]:
    """A small deterministic corpus of the four base types."""
    rng = random.Random(seed)
    return [(make(rng), label) for label, make in BASE.items() for _ in range(per_class)]


def test_fit_is_deterministic() -> None:
    examples = corpus(6)
    probe = corpus(1, seed=99)
    first, second = DocTypeClassifier(), DocTypeClassifier()
    first.fit(examples)
    second.fit(examples)
    assert first.version == second.version != "doctype-lr-1-unfitted"
    for pages, label in probe:
        assert first.predict(pages) == second.predict(pages)
        assert first.predict(pages)[0] == label


def test_new_class_from_four_examples() -> None:
    rng = random.Random(3)
    examples = corpus(6) + [(payslip(rng), DocType.PAYSLIP) for _ in range(4)]
    model = DocTypeClassifier()
    model.fit(examples)
    assert DocType.PAYSLIP in model.classes
    held_out = payslip(random.Random(1234))
    doc_type, confidence, scores = model.predict(held_out)
    assert doc_type == DocType.PAYSLIP
    assert confidence == max(scores.values())
    assert abs(sum(scores.values()) - 1.0) < 0.01
    for pages, label in corpus(1, seed=42):
        assert model.predict(pages)[0] == label


def test_save_load_round_trip(tmp_path: Path) -> None:
    model = DocTypeClassifier()
    model.fit(corpus(5))
    path = tmp_path / "models" / "doctype.joblib"
    model.save(path)
    loaded = DocTypeClassifier.load(path)
    assert loaded.version == model.version
    assert loaded.classes == model.classes
    for pages, _ in corpus(1, seed=5):
        assert loaded.predict(pages) == model.predict(pages)
    again = DocTypeClassifier()
    again.fit(corpus(5))
    again.save(tmp_path / "again.joblib")
    assert (tmp_path / "again.joblib").read_bytes() == path.read_bytes()


def test_the_numpy_reader_predicts_as_the_trained_model(tmp_path: Path) -> None:
    """A worker reads the `.npz` written beside the model, without scikit-learn."""
    rng = random.Random(3)
    model = DocTypeClassifier()
    model.fit(corpus(6) + [(payslip(rng), DocType.PAYSLIP) for _ in range(4)])
    path = tmp_path / "doctype.joblib"
    model.save(path)
    reader = DocTypeModel(inference_path(path))
    assert reader.version == model.version
    probes = [pages for pages, _ in corpus(3, seed=11)] + [payslip(random.Random(8))]
    probes.append([Page(index=0, width=100, height=100)])
    for pages in probes:
        assert reader.predict(pages) == model.predict(pages)
    assert char_wb_ngrams("ab  cde") == [" a", "ab", "b ", " ab", "ab ", " ab ",
                                          " c", "cd", "de", "e ", " cd", "cde", "de ",
                                          " cde", "cde "]  # fmt: skip
    assert word_ngrams("total rm 10 x") == ["total", "rm", "10", "total rm", "rm 10"]


def test_needs_two_types_and_a_fit() -> None:
    with pytest.raises(ValueError):
        DocTypeClassifier().fit([(receipt(random.Random(1)), DocType.RECEIPT)] * 3)
    with pytest.raises(RuntimeError):
        DocTypeClassifier().predict(receipt(random.Random(1)))


def test_blank_document_is_other_with_low_confidence() -> None:
    model = DocTypeClassifier()
    model.fit(corpus(4))
    doc_type, confidence, scores = model.predict([Page(index=0, width=100, height=100)])
    assert doc_type == DocType.OTHER
    assert confidence == 0.25 and set(scores) == {t.value for t in BASE}


def test_classify_pages_falls_back_to_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify, "_loaded", False)
    monkeypatch.setattr(classify, "_model", None)
    monkeypatch.setattr(classify, "default_model_path", lambda: Path("/nonexistent/doctype"))
    pages = invoice(random.Random(1))
    assert classify.classify_pages(pages) == classify.classify_pages_rules(pages)
    assert classify.classifier_version() == classify.RULES_VERSION
