"""Identity documents (passports, ID cards, visas) read from their machine readable zone.

The MRZ lines on the pages (read on their own by `pages.mrz`, or as the page's OCR or
text layer gave them) are parsed and verified by `parsers.mrz`. Every field comes from
the MRZ, with the box of its characters; a field a passing check digit covers is sure, a
field whose check fails is not. Names carry no check digit: they are sure when the
printed page shows them too (`extract.identity_page`), and otherwise as sure as OCR was
of their characters. Each check digit and each repaired character is reported as a
finding, so a reviewer sees what the reader changed and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from paperclerk.extract.base import Extraction
from paperclerk.extract.identity_page import MATCH, MISMATCH, compare_names, page_lines
from paperclerk.model import (
    Box,
    DocType,
    ExtractedField,
    FieldSource,
    FieldValue,
    Finding,
    Page,
    Provenance,
    Severity,
    Word,
)
from paperclerk.model.personal import IDENTITY_PERSONAL_FIELDS
from paperclerk.parsers.mrz import SEXES, Mrz, mrz_like, parse_mrz
from paperclerk.parsers.mrz_countries import known_state
from paperclerk.parsers.mrz_formats import LAYOUTS

VERSION = "mrz-identity-1"
SURE = 0.995
"""Confidence of a field whose check digit (and the composite) holds."""
UNSURE = 0.2
"""Confidence of a field whose check digit fails."""
NAME_CAP = 0.95
"""A name the page does not confirm is at most this sure: no check digit covers it."""

DOCUMENT_KINDS = {
    "P": "passport",
    "V": "visa",
    "I": "identity_card",
    "A": "identity_card",
    "C": "identity_card",
}
PERSONAL_FIELDS = IDENTITY_PERSONAL_FIELDS
"""Fields that identify a person: masked where personal data must not go (`model.personal`)."""


@dataclass(frozen=True)
class FoundMrz:
    """An MRZ on a page: its parse and the words of its lines, in order."""

    mrz: Mrz
    page: int
    words: list[Word]


def find_mrz(pages: list[Page]) -> FoundMrz | None:
    """Return the best MRZ on the pages: consecutive MRZ-like lines that parse best."""
    best: tuple[tuple[int, int], FoundMrz] | None = None
    for page in pages:
        words = {w.id: w for w in page.words}
        rows = [line for line in page.lines if mrz_like(line.text)]
        for size in (3, 2):
            for start in range(len(rows) - size + 1):
                group = rows[start : start + size]
                texts = [line.text.replace(" ", "") for line in group]
                line_words = [[words[i] for i in line.word_ids if i in words] for line in group]
                confs = [c for ws in line_words if (c := _char_confidences(ws)) is not None]
                mrz = parse_mrz(texts, confidences=confs if len(confs) == len(texts) else None)
                if mrz is None:
                    continue
                score = (int(mrz.valid), -len(mrz.failed_checks()))
                if best is None or score > best[0]:
                    flat = [ws[0] if len(ws) == 1 else _merged(ws) for ws in line_words if ws]
                    best = (score, FoundMrz(mrz, page.index, flat))
    return best[1] if best else None


def _char_confidences(words: list[Word]) -> list[float] | None:
    if len(words) == 1 and words[0].char_confidences is not None:
        return words[0].char_confidences
    return None


def _merged(words: list[Word]) -> Word:
    box = words[0].box
    for w in words[1:]:
        box = box.union(w.box)
    return words[0].model_copy(update={"text": "".join(w.text for w in words), "box": box})


class MrzIdentityExtractor:
    """Extracts the identity document schema from the MRZ, checked against the page."""

    doc_type: DocType = DocType.IDENTITY_DOCUMENT

    @property
    def version(self) -> str:
        """Extractor name and version, recorded in each document."""
        return VERSION

    def thresholds_for(self, max_field_error: float) -> dict[str, float]:
        """Return no calibrated thresholds: the decision policy fixes identity thresholds."""
        return {}

    def extract(self, pages: list[Page]) -> Extraction:
        """Return the identity fields read from the MRZ, and its check digits as findings."""
        found = find_mrz(pages)
        if found is None:
            return Extraction()
        mrz = found.mrz
        today = dt.date.today()
        failed = set(mrz.failed_checks())
        composite_ok = "composite" not in failed
        out = Extraction()

        def add(name: str, value: FieldValue, spec: str | None, conf: float) -> None:
            if value is None or value == "":
                return
            raw, box, word_ids = _raw_and_box(found, spec)
            out.fields[name] = ExtractedField(
                name=name,
                value=value,
                raw_text=raw,
                confidence=round(max(0.0, min(1.0, conf)), 4),
                provenance=Provenance(page=found.page, box=box, word_ids=word_ids),
                source=FieldSource.MRZ,
            )

        def checked(check: str) -> float:
            if check in failed:
                return UNSURE
            return SURE if composite_ok else 0.9

        code = mrz.document_code
        add("document_type", DOCUMENT_KINDS.get(code[:1], "other"), "document_code", 0.99)
        add("document_code", code, "document_code", 0.99)
        add("document_subtype", code[1:] or None, "document_code", 0.99)
        add("mrz_format", mrz.format.value, None, 0.99)
        add(
            "issuing_state", mrz.issuing_state, "issuing_state", _state_conf(found, "issuing_state")
        )
        add("document_number", mrz.document_number, "document_number", checked("document_number"))
        lines = page_lines(pages)
        for name, value in (("surname", mrz.surname), ("given_names", mrz.given_names)):
            add(name, value, "names", _name_conf(found, name, value, lines))
        add("nationality", mrz.nationality, "nationality", _state_conf(found, "nationality"))
        add("date_of_birth", mrz.birth_date(today), "birth_date", checked("birth_date"))
        sex = mrz.sex if mrz.sex in SEXES else None
        add("sex", None if sex == "<" else sex, "sex", _chars_conf(found, "sex"))
        add("date_of_expiry", mrz.expiry_date(today), "expiry_date", checked("expiry_date"))
        personal_conf = (
            checked("optional_data")
            if mrz.format.value == "TD3"
            else _chars_conf(found, "optional_data")
        )
        add("personal_number", mrz.personal_number or None, "optional_data", personal_conf)
        add("mrz", mrz.text, None, SURE if mrz.valid else UNSURE)
        out.findings = mrz_findings(mrz)
        return out


def mrz_findings(mrz: Mrz) -> list[Finding]:
    """Every check digit of an MRZ as a finding, and the characters repaired in reading it."""
    findings = []
    for check in mrz.checks:
        name = check.name.replace("_", " ")
        findings.append(
            Finding(
                id=f"mrz-check-{check.name}",
                rule_id="identity.mrz_check_digit",
                severity=Severity.INFO if check.passed else Severity.ERROR,
                passed=check.passed,
                message=(
                    f"MRZ check digit of the {name} holds ({check.printed})"
                    if check.passed
                    else f"MRZ check digit of the {name} fails: printed {check.printed},"
                    f" computed {check.computed}"
                ),
                fields=[_CHECK_FIELDS.get(check.name, "mrz")],
            )
        )
    if mrz.repairs:
        parts = [
            f"line {r.line + 1} position {r.position + 1}: {r.read!r} read as {r.fixed!r}"
            f" ({_WHY[r.why]})"
            for r in mrz.repairs
        ]
        findings.append(
            Finding(
                id="mrz-repairs",
                rule_id="identity.mrz_repaired",
                severity=Severity.INFO,
                passed=True,
                message=f"{len(mrz.repairs)} MRZ character(s) repaired: " + "; ".join(parts),
                fields=["mrz"],
            )
        )
    return findings


_CHECK_FIELDS = {
    "document_number": "document_number",
    "birth_date": "date_of_birth",
    "expiry_date": "date_of_expiry",
    "optional_data": "personal_number",
}
_WHY = {
    "position": "only that class may stand there",
    "check_digit": "the check digit confirms it",
    "state_code": "the only known state code so near",
}


def _positions(found: FoundMrz, spec: str | None) -> tuple[int, int, int] | None:
    if spec is None:
        return None
    layout = LAYOUTS[found.mrz.format]
    field = layout.field(spec)
    return field.line, field.start, field.end


def _raw_and_box(found: FoundMrz, spec: str | None) -> tuple[str, Box | None, list[str]]:
    """Return the characters as read, their box (a slice of the line's) and the word id."""
    where = _positions(found, spec)
    if where is None or where[0] >= len(found.words):
        boxes = [w.box for w in found.words]
        box = boxes[0] if boxes else None
        for b in boxes[1:]:
            box = box.union(b) if box else b
        return found.mrz.text, box, [w.id for w in found.words]
    line, start, end = where
    word = found.words[line]
    read = found.mrz.read[line]
    n = max(len(read), 1)
    box = Box(
        x0=word.box.x0 + word.box.width * start / n,
        y0=word.box.y0,
        x1=word.box.x0 + word.box.width * end / n,
        y1=word.box.y1,
    )
    return read[start:end], box, [word.id]


def _chars_conf(found: FoundMrz, spec: str) -> float:
    """Return the lowest recognition confidence of a field's characters (0.9 if not known)."""
    where = _positions(found, spec)
    if where is None or where[0] >= len(found.words):
        return 0.9
    line, start, end = where
    confs = found.words[line].char_confidences
    if not confs or len(confs) != len(found.mrz.read[line]):
        return min(0.9, found.words[line].confidence)
    repaired = any(r.line == line and start <= r.position < end for r in found.mrz.repairs)
    low = min(confs[start:end], default=0.9)
    return min(low, 0.9) if repaired else low


def _state_conf(found: FoundMrz, spec: str) -> float:
    """Return a state code's confidence: its characters' if known, doubtful if not."""
    code = found.mrz.fields[spec]
    return max(0.9, min(0.99, _chars_conf(found, spec))) if known_state(code) else 0.4


def _name_conf(found: FoundMrz, field: str, value: str, lines: list) -> float:  # type: ignore[type-arg]
    """Return a name's confidence: sure if the page shows it, low if it contradicts it."""
    status = compare_names(value, field, lines).status
    if status == MATCH:
        return 0.99
    if status == MISMATCH:
        return 0.3
    return min(NAME_CAP, _chars_conf(found, "names"))
