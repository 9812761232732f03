"""Enums at the boundaries: sources, engines, and the extractors' thresholds."""

from __future__ import annotations

import pytest

from paperclerk.engines.registry import ENGINE_NAMES, FACTORIES, Engine, engine_named
from paperclerk.errors import EngineUnavailableError
from paperclerk.extract.base import FieldExtractor
from paperclerk.extract.invoice import RuleInvoiceExtractor
from paperclerk.extract.receipt import RuleReceiptExtractor
from paperclerk.model import Document, Source


def test_mail_is_read_as_email_and_written_as_email() -> None:
    assert Source("mail") is Source.EMAIL and Source("email") is Source.EMAIL
    doc = Document.model_validate(
        {"sha256": "0" * 64, "media_type": "image/png", "size_bytes": 1, "source": "mail"}
    )
    assert doc.source is Source.EMAIL and doc.model_dump(mode="json")["source"] == "email"
    with pytest.raises(ValueError):
        Source("fax")


def test_engine_names_are_the_cli_values_and_each_has_a_factory() -> None:
    assert ENGINE_NAMES == ("rapid", "tesseract") and set(FACTORIES) == set(Engine)
    assert engine_named("tesseract") is Engine.TESSERACT
    with pytest.raises(EngineUnavailableError, match="unknown OCR engine 'magic'"):
        engine_named("magic")


@pytest.mark.parametrize("extractor", [RuleReceiptExtractor(), RuleInvoiceExtractor()])
def test_rule_extractors_have_no_calibrated_thresholds(extractor: FieldExtractor) -> None:
    assert extractor.thresholds_for(0.01) == {}
