"""Layout helpers shared by extractors: visual rows, word lookup, field construction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from paperclerk.model import (
    Alternative,
    Box,
    ExtractedField,
    FieldSource,
    FieldValue,
    Line,
    Page,
    Provenance,
    Word,
    union_all,
)


@dataclass
class Row:
    """Lines of one page that sit at the same height, left to right."""

    page: int
    lines: list[Line]

    @property
    def text(self) -> str:
        """Row text with its lines joined by single spaces."""
        return " ".join(line.text for line in self.lines)

    @property
    def box(self) -> Box:
        """Union of the line boxes."""
        box = union_all([line.box for line in self.lines])
        assert box is not None
        return box


def rows_of(page: Page, overlap: float = 0.55) -> list[Row]:
    """Group the lines of a page into visual rows, since OCR may split 'TOTAL   9.00' in two."""
    rows: list[Row] = []
    for line in sorted(page.lines, key=lambda ln: ln.box.cy):
        best: Row | None = None
        best_overlap = overlap
        for row in rows[-3:]:
            rb = row.lines[0].box
            inter = min(rb.y1, line.box.y1) - max(rb.y0, line.box.y0)
            share = inter / max(min(rb.height, line.box.height), 1e-6)
            if share > best_overlap:
                best, best_overlap = row, share
        if best is None:
            rows.append(Row(page.index, [line]))
        else:
            best.lines.append(line)
            best.lines.sort(key=lambda ln: ln.box.x0)
    return rows


def words_by_id(pages: list[Page]) -> dict[str, Word]:
    """Return every word of the document keyed by its id."""
    return {w.id: w for p in pages for w in p.words}


@dataclass
class Candidate:
    """A possible value for a field with the evidence and a score in 0..1."""

    value: FieldValue
    raw_text: str
    score: float
    page: int
    word_ids: list[str]
    box: Box | None

    def provenance(self) -> Provenance:
        """Return where this candidate was read."""
        return Provenance(page=self.page, box=self.box, word_ids=self.word_ids)


def candidate_from_lines(
    value: FieldValue, lines: list[Line], page: int, score: float, raw: str | None = None
) -> Candidate:
    """Build a candidate whose evidence is a run of whole lines."""
    return Candidate(
        value=value,
        raw_text=raw if raw is not None else " ".join(ln.text for ln in lines),
        score=score,
        page=page,
        word_ids=[w for ln in lines for w in ln.word_ids],
        box=union_all([ln.box for ln in lines]),
    )


def best_field(
    name: str, candidates: list[Candidate], source: FieldSource = FieldSource.RULE
) -> ExtractedField | None:
    """Pick the best-scoring candidate as the field; distinct runners-up become alternatives."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
    top = ranked[0]
    alternatives: list[Alternative] = []
    seen = {repr(top.value)}
    for c in ranked[1:]:
        if repr(c.value) in seen:
            continue
        seen.add(repr(c.value))
        alternatives.append(
            Alternative(
                value=c.value,
                raw_text=c.raw_text,
                score=round(max(0.0, min(1.0, c.score)), 4),
                provenance=c.provenance(),
            )
        )
        if len(alternatives) == 3:
            break
    return ExtractedField(
        name=name,
        value=top.value,
        raw_text=top.raw_text,
        confidence=round(max(0.0, min(1.0, top.score)), 4),
        provenance=top.provenance(),
        source=source,
        alternatives=alternatives,
    )


def merge_repeated(
    candidates: list[Candidate],
    key: Callable[[Candidate], str],
    step: float,
    cap: float,
) -> list[Candidate]:
    """Merge candidates with the same key into the best of them, which gains `step` per repeat.

    A value printed several times on a document is more likely right; the gain is at most `cap`.
    """
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        groups[key(c)].append(c)
    out: list[Candidate] = []
    for group in groups.values():
        best = max(group, key=lambda c: c.score)
        bonus = min(cap, step * (len(group) - 1))
        score = max(0.0, min(1.0, best.score + bonus))
        out.append(Candidate(best.value, best.raw_text, score, best.page, best.word_ids, best.box))
    return out
