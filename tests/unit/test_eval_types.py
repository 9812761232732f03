"""`paperclerk eval types` on a tiny folder of text-layer PDFs built at test time (no OCR)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from paperclerk.cli import app
from paperclerk.engines.base import OcrWord
from paperclerk.evaluation.types import (
    UnknownTypeFolderError,
    evaluate_types,
    find_documents,
    unreadable,
)
from paperclerk.ingest.types import Image
from paperclerk.model import DocType, Document, Page
from paperclerk.model.decision import Decision, DecisionOutcome
from paperclerk.model.fields import ExtractedField
from paperclerk.pipeline import run

KEYS = {
    "accuracy",
    "per_class",
    "confusion_matrix",
    "auto_approved_unreadable",
    "automation_by_type",
    "documents",
    "errors",
    "seconds_per_doc",
}


def _fixtures() -> ModuleType:
    path = Path(__file__).parents[1] / "fixtures" / "make_fixtures.py"
    spec = importlib.util.spec_from_file_location("paperclerk_test_fixtures_types", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fx = _fixtures()


def _pdf(lines: list[str]) -> bytes:
    placed = [(72.0, 720.0 - 20 * i, text) for i, text in enumerate(lines)]
    return bytes(fx.build_pdf(fx._text_pdf_objects(1, 0, fx._text_content(placed))))


class NoOcr:
    """Every test document has a text layer: OCR must not run."""

    name = "none"
    version = "none"

    def read(self, image: Image) -> list[OcrWord]:
        raise AssertionError("OCR was not expected")


def _by_keyword(pages: list[Page]) -> tuple[DocType, float, dict[str, float]]:
    """A stand-in classifier: the type named by a keyword, else `other`."""
    text = " ".join(p.text for p in pages).upper()
    for word, doc_type in (("INVOICE", DocType.INVOICE), ("PASSPORT", DocType.IDENTITY_DOCUMENT)):
        if word in text:
            return doc_type, 0.9, {doc_type.value: 0.9}
    return DocType.OTHER, 0.6, {"other": 0.6}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "types"
    files = {
        "invoice/a.pdf": _pdf(["INVOICE No 17", "ACME Widgets Ltd", "Total: 42.00 EUR"]),
        "invoice/b.pdf": _pdf(["INVOICE No 18", "Nordlicht GmbH", "Total: 9.00 EUR"]),
        # A receipt the stand-in cannot tell: predicted `other`, so wrong.
        "receipt/shop.pdf": _pdf(["KEDAI ALI", "CASH 10.00", "CHANGE 1.00"]),
        "identity_document/p.pdf": _pdf(["PASSPORT", "Surname ERIKSSON", "Given names ANNA"]),
        "other/letter.pdf": _pdf(["Dear neighbour,", "about the hedge.", "Kind regards"]),
        # Not a PDF at all: an ingest error, counted as wrong.
        "other/notes.pdf": b"this is not a pdf at all",
        "other/.hidden.pdf": b"ignored",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_json_shape_and_counts(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "classify_pages", _by_keyword)
    result = evaluate_types(folder, engine=NoOcr())
    assert set(result) == KEYS
    json.dumps(result)  # JSON-ready
    assert len(result["documents"]) == 5
    assert result["errors"] == [
        {
            "path": "other/notes.pdf",
            "expected": "other",
            "code": "unsupported_media_type",
            "message": result["errors"][0]["message"],
        }
    ]
    # Right: two invoices, the passport, the letter; wrong: the receipt and the broken file.
    assert result["accuracy"] == round(4 / 6, 4)
    assert result["confusion_matrix"] == {
        "identity_document": {"identity_document": 1},
        "invoice": {"invoice": 2},
        "other": {"error": 1, "other": 1},
        "receipt": {"other": 1},
    }
    per_class = result["per_class"]
    assert set(per_class) == {"identity_document", "invoice", "other", "receipt"}
    assert per_class["invoice"] == {"precision": 1.0, "recall": 1.0, "support": 2}
    assert per_class["other"] == {"precision": 0.5, "recall": 0.5, "support": 2}
    assert per_class["receipt"] == {"precision": 0.0, "recall": 0.0, "support": 1}
    shop = next(d for d in result["documents"] if d["path"] == "receipt/shop.pdf")
    assert (shop["expected"], shop["predicted"], shop["confidence"]) == ("receipt", "other", 0.6)
    assert shop["outcome"] in {o.value for o in DecisionOutcome}
    assert isinstance(shop["reasons"], list)
    # The count agrees with the documents: auto-approved with nothing that could be read
    # (`other` has no extractor; an identity document with no MRZ reads nothing).
    no_extractor = {"identity_document", "other"}
    expected_unreadable = sum(
        1
        for d in result["documents"]
        if d["outcome"] == "auto_approved" and d["predicted"] in no_extractor
    )
    assert result["auto_approved_unreadable"] == expected_unreadable
    assert result["automation_by_type"]["invoice"]["documents"] == 2
    assert result["automation_by_type"]["identity_document"]["automation_rate"] == 0.0
    assert (
        "no field could be read"
        in (result["automation_by_type"]["identity_document"]["top_review_reasons"])
    )
    assert result["seconds_per_doc"] >= 0.0


def _doc(doc_type: DocType, outcome: DecisionOutcome, fields: dict[str, object]) -> Document:
    doc = Document(sha256="0" * 64, media_type="application/pdf", size_bytes=1)
    doc.doc_type = doc_type
    doc.fields = {
        name: ExtractedField(name=name, value=value, confidence=0.9)  # type: ignore[arg-type]
        for name, value in fields.items()
    }
    doc.decision = Decision(outcome=outcome)
    return doc


def test_unreadable_rule() -> None:
    approved, review = DecisionOutcome.AUTO_APPROVED, DecisionOutcome.NEEDS_REVIEW
    assert unreadable(_doc(DocType.IDENTITY_DOCUMENT, approved, {}), extractor_missing=True)
    assert unreadable(_doc(DocType.INVOICE, approved, {}), extractor_missing=False)
    assert unreadable(_doc(DocType.INVOICE, approved, {"total": None}), extractor_missing=False)
    assert not unreadable(_doc(DocType.INVOICE, approved, {"total": "4"}), extractor_missing=False)
    assert not unreadable(_doc(DocType.OTHER, review, {}), extractor_missing=True)


def test_unknown_type_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "receipt").mkdir()
    (tmp_path / "receipts").mkdir()
    (tmp_path / "letters").mkdir()
    with pytest.raises(UnknownTypeFolderError, match="letters, receipts"):
        find_documents(tmp_path)
    result = CliRunner().invoke(app, ["eval", "types", str(tmp_path)])
    assert result.exit_code == 2
    assert "not document types" in result.output
