"""Layout helpers shared by extractors: visual rows, word lookup, field construction."""

from __future__ import annotations

import itertools
import math
import statistics
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


MAX_SKEW = 0.1
"""Steepest slope (height per width, about 6 degrees) along which rows are looked for."""
SKEW_STEP = 0.0025
SAME_ROW = 0.25
"""Centres this share of a line's height apart, or closer, stand on one row."""


def skew(lines: list[Line]) -> float:
    """Return the slope along which a page's rows run (0 for a straight page).

    A receipt scanned a few degrees askew prints 'TOTAL' lower than its amount at the
    right edge, level with the next row's: rows are found along the slope (in steps of
    `SKEW_STEP`) that lines up the most pairs of lines side by side (centres within
    `SAME_ROW` of a line's height), when it lines up clearly more than level does. Each
    pair lines up over an interval of slopes, so they are counted in one sweep.
    """
    if len(lines) < 4:
        return 0.0
    reach = SAME_ROW * statistics.median(ln.box.height for ln in lines)
    steps = round(MAX_SKEW / SKEW_STEP)
    starts = [0] * (2 * steps + 2)  # pairs lining up from slope step k on, minus those ending
    for a in lines:
        for b in lines:
            if a.box.x1 >= b.box.x0:
                continue  # not side by side
            dx, dy = b.box.cx - a.box.cx, b.box.cy - a.box.cy
            first = max(-steps, math.floor((dy - reach) / dx / SKEW_STEP) + 1)
            last = min(steps, math.ceil((dy + reach) / dx / SKEW_STEP) - 1)
            if first <= last:
                starts[first + steps] += 1
                starts[last + steps + 1] -= 1
    counts = list(itertools.accumulate(starts[:-1]))
    level = counts[steps]
    best = max(range(len(counts)), key=lambda k: (counts[k], -abs(k - steps)))
    return (best - steps) * SKEW_STEP if counts[best] > 1.25 * level + 2 else 0.0


def rows_of(page: Page, overlap: float = 0.55) -> list[Row]:
    """Group the lines of a page into visual rows, since OCR may split 'TOTAL   9.00' in two.

    Heights are compared along the page's `skew`, so that a label and its amount at the
    other edge of a slanted receipt share a row.
    """
    slope = skew(page.lines)

    def level(box: Box) -> tuple[float, float]:
        shift = slope * box.cx
        return box.y0 - shift, box.y1 - shift

    rows: list[Row] = []
    for line in sorted(page.lines, key=lambda ln: ln.box.cy - slope * ln.box.cx):
        y0, y1 = level(line.box)
        best: Row | None = None
        best_overlap = overlap
        for row in rows[-3:]:
            r0, r1 = level(row.lines[0].box)
            inter = min(r1, y1) - max(r0, y0)
            share = inter / max(min(r1 - r0, y1 - y0), 1e-6)
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
