"""The MRZ reader on drawn documents: every format, turned by any angle, through the pipeline."""

from __future__ import annotations

import random

import cv2
import pytest

from paperclerk.datasets.synthetic_identity import random_fields, render_identity
from paperclerk.engines.base import LineEngine
from paperclerk.engines.registry import get_engine
from paperclerk.model import DecisionOutcome, DocType, FieldSource
from paperclerk.pages.mrz import read_mrz
from paperclerk.parsers.mrz_formats import MrzFormat
from paperclerk.pipeline.run import process_bytes

CODES = {MrzFormat.TD3: "P", MrzFormat.TD2: "I", MrzFormat.TD1: "ID", MrzFormat.MRVA: "V",
         MrzFormat.MRVB: "V"}  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> LineEngine:
    eng = get_engine("rapid", 2)
    assert isinstance(eng, LineEngine)
    return eng


@pytest.mark.parametrize("fmt", list(CODES))
@pytest.mark.parametrize("angle", [0, 90, 180, 270, 7])
def test_reads_every_format_at_any_angle(engine: LineEngine, fmt: MrzFormat, angle: int) -> None:
    rng = random.Random(f"{fmt}-{angle}")
    image, lines = render_identity(random_fields(rng, CODES[fmt]), fmt, angle=angle)
    reading = read_mrz(image, engine)
    assert reading is not None
    assert reading.mrz.format == fmt
    assert reading.mrz.lines == lines
    assert reading.mrz.valid


def test_an_image_without_mrz_gives_none(engine: LineEngine) -> None:
    image, _ = render_identity(random_fields(random.Random(3)), MrzFormat.TD3)
    assert read_mrz(image[:400], engine) is None  # the page above the MRZ only


def _jpeg(image: object) -> bytes:
    ok, data = cv2.imencode(".jpg", image)  # type: ignore[call-overload]
    assert ok
    return bytes(data)


def test_pipeline_types_reads_and_approves_a_valid_passport() -> None:
    holder = random_fields(random.Random(11))
    image, lines = render_identity(holder, MrzFormat.TD3, angle=180)
    doc = process_bytes(_jpeg(image))
    assert doc.doc_type == DocType.IDENTITY_DOCUMENT
    assert doc.value("mrz") == "\n".join(lines)
    assert doc.value("document_number") == holder.fields.document_number
    assert doc.value("date_of_birth") == holder.birth
    assert doc.value("date_of_expiry") == holder.expiry
    assert doc.value("surname") == holder.fields.surname
    number = doc.fields["document_number"]
    assert number.source == FieldSource.MRZ and number.provenance and number.provenance.box
    assert any(w.char_confidences for p in doc.pages for w in p.words)
    assert doc.decision is not None
    assert doc.decision.outcome == DecisionOutcome.AUTO_APPROVED, doc.decision.reasons
    page_check = next(f for f in doc.findings if f.rule_id == "identity.mrz_vs_page")
    assert page_check.passed, page_check.message


def test_pipeline_refuses_a_broken_check_digit_and_a_page_that_disagrees() -> None:
    from paperclerk.datasets.synthetic_identity import break_check_digit
    from paperclerk.parsers.mrz_build import build_mrz

    rng = random.Random(12)
    holder = random_fields(rng)
    broken = break_check_digit(build_mrz(MrzFormat.TD3, holder.fields), rng)
    image, _ = render_identity(holder, MrzFormat.TD3, mrz_lines=broken)
    doc = process_bytes(_jpeg(image))
    assert doc.decision is not None and doc.decision.outcome == DecisionOutcome.NEEDS_REVIEW
    assert "rule:identity.mrz_check_digit" in doc.decision.reason_codes

    other = random_fields(random.Random(13))
    image, _ = render_identity(other, MrzFormat.TD3, printed={"surname": "SOMEBODY ELSE"})
    doc = process_bytes(_jpeg(image))
    assert doc.decision is not None
    assert "rule:identity.mrz_vs_page" in doc.decision.reason_codes
    mismatch = next(f for f in doc.findings if f.rule_id == "identity.mrz_vs_page")
    assert "SOMEBODY ELSE" in mismatch.message and "surname" in mismatch.fields
