"""Candidates and features for fields a user defines: word spans of a line, by value type.

A user's field is found where its value is printed: a run of words within one line (a
buyer's name, a postcode, an order number, an amount, a date). Every run of up to a few
words is a candidate whose text can be a value of the field's type; the ranker tells the
right one by where it stands, what it looks like and which words label it (the words before
it on its line and on the line above), all learned from the examples, none written down.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from paperclerk.model import Page, Word
from paperclerk.parsers import parse_amount, parse_date


class ValueType(StrEnum):
    """What a field holds: how candidates are found and values compared."""

    TEXT = "text"
    AMOUNT = "amount"
    DATE = "date"
    IDENTIFIER = "identifier"
    CODE = "code"
    """An identifier with check digits (IBAN, VAT id, container number…): see `FieldSpec.check`."""


MAX_WORDS = {ValueType.TEXT: 8, ValueType.AMOUNT: 3, ValueType.DATE: 4, ValueType.IDENTIFIER: 3,
             ValueType.CODE: 6}  # fmt: skip
"""Longest run of words a candidate of each type may be."""
_EDGE_PUNCT = " \t,;:.()[]{}\"'"
_LABEL_TOKEN = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def fold_text(text: str) -> str:
    """Return text folded for comparing: accents, case and spacing dropped, edges trimmed."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(plain.casefold().split()).strip(_EDGE_PUNCT)


def normalise_value(value_type: ValueType, text: str | None) -> str | None:
    """Return the comparable form of a value as printed or typed (None: no value).

    Text folded (`fold_text`); amounts to the cent; dates as ISO days (day first when
    ambiguous); identifiers without spaces, upper case.
    """
    if text is None or not str(text).strip():
        return None
    raw = str(text)
    if value_type == ValueType.AMOUNT:
        amount = parse_amount(raw)
        return None if amount is None else str(amount.quantize(Decimal("0.01")))
    if value_type == ValueType.DATE:
        day = parse_date(raw, dayfirst=True)
        return None if day is None else day.isoformat()
    if value_type == ValueType.IDENTIFIER:
        return re.sub(r"\s+", "", raw).strip(_EDGE_PUNCT).upper() or None
    if value_type == ValueType.CODE:
        return re.sub(r"[\s\-./]+", "", raw).strip(_EDGE_PUNCT).upper() or None
    return fold_text(raw) or None


@dataclass
class Span:
    """A run of words [start, end) of one line of a page, as text."""

    page: int
    line: int
    start: int
    end: int
    words: list[Word]
    text: str


def page_lines(page: Page) -> list[list[Word]]:
    """Return the words of each line of a page, in reading order."""
    by_id = {w.id: w for w in page.words}
    return [[by_id[i] for i in line.word_ids if i in by_id] for line in page.lines]


def spans(
    pages: list[Page], value_type: ValueType, check: Callable[[str], bool] | None = None
) -> list[Span]:
    """Return every run of words within a line that can hold a value of the type.

    `check` keeps only the runs whose text passes it (a code's check digits).
    """
    longest = MAX_WORDS[value_type]
    out: list[Span] = []
    for page in pages:
        for n, words in enumerate(page_lines(page)):
            for start in range(len(words)):
                for end in range(start + 1, min(len(words), start + longest) + 1):
                    text = " ".join(w.text for w in words[start:end])
                    if _fits(value_type, text) and (check is None or check(text)):
                        out.append(Span(page.index, n, start, end, words[start:end], text))
    return out


def _fits(value_type: ValueType, text: str) -> bool:
    has_digit = any(c.isdigit() for c in text)
    if value_type == ValueType.AMOUNT:
        return has_digit and parse_amount(text) is not None
    if value_type == ValueType.DATE:
        return has_digit and parse_date(text) is not None
    if value_type in (ValueType.IDENTIFIER, ValueType.CODE):
        return has_digit  # an order number, a code: no identifier is letters alone
    return any(c.isalnum() for c in text)


def shape(text: str) -> str:
    """Return a value's coarse shape: letter runs `A`, digit runs `9`, others kept, spaced."""
    out = re.sub(r"[^\W\d_]+", "A", text.strip(), flags=re.UNICODE)
    out = re.sub(r"\d+", "9", out)
    return re.sub(r"\s+", " ", out)


def label_tokens(words: Iterable[Word]) -> set[str]:
    """Return the label-like tokens of some words: letters only, folded."""
    return {fold_text(t) for w in words for t in _LABEL_TOKEN.findall(w.text)}


BLOCK_LINES = 5


@dataclass(frozen=True)
class Context:
    """What surrounds one span: label tokens before it, above it, over its block, its section."""

    left: frozenset[str]
    above: frozenset[str]
    block: frozenset[str]
    section: frozenset[str]
    shape: str
    words: int
    before: str = ""
    after: str = ""


def _alone(lines: list[list[Word]], i: int) -> bool:
    """Whether line i has its row to itself (no neighbour in reading order beside it)."""
    y0, y1 = min(w.box.y0 for w in lines[i]), max(w.box.y1 for w in lines[i])
    middle = (y0 + y1) / 2
    for j in (i - 1, i + 1):
        if 0 <= j < len(lines) and lines[j]:
            other = (min(w.box.y0 for w in lines[j]) + max(w.box.y1 for w in lines[j])) / 2
            if abs(other - middle) < (y1 - y0) / 2:
                return False
    return True


def sections(lines: list[list[Word]]) -> list[frozenset[str]]:
    """Return, per line, the label tokens of the last heading above it.

    A heading is a short line of words without digits alone on its row ("Käufer",
    "Delivery address", "Facturé à"): what section of the page a value sits in, however
    far below it.
    """
    out: list[frozenset[str]] = []
    current: frozenset[str] = frozenset()
    for i, words in enumerate(lines):
        out.append(current)
        text = " ".join(w.text for w in words)
        tokens = label_tokens(words)
        short = words and len(words) <= 3 and tokens and not any(c.isdigit() for c in text)
        if short and _alone(lines, i):
            current = frozenset(tokens)
    return out


def context_of(
    lines: list[list[Word]], span: Span, headings: list[frozenset[str]] | None = None
) -> Context:
    """Return the label tokens around a span (see `ContextCounts`) and its shape."""
    words = lines[span.line]
    x0, x1 = min(w.box.x0 for w in span.words), max(w.box.x1 for w in span.words)
    block: set[str] = set()
    for above_line in lines[max(0, span.line - BLOCK_LINES) : span.line]:
        block |= label_tokens(w for w in above_line if w.box.x1 >= x0 and w.box.x0 <= x1)
    section = (headings if headings is not None else sections(lines))[span.line]
    return Context(
        frozenset(label_tokens(words[max(0, span.start - 4) : span.start])),
        frozenset(label_tokens(lines[span.line - 1]) if span.line > 0 else ()),
        frozenset(block),
        section,
        shape(span.text),
        len(span.words),
        shape(words[span.start - 1].text) if span.start > 0 else "",
        shape(words[span.end].text) if span.end < len(words) else "",
    )


@dataclass
class ContextCounts:
    """How often tokens stood before a field's true values, per document (for leaving out).

    `left[token]`: documents where the token stood before a true value on its line;
    `above[token]`: on the line above; `block[token]`: on one of the `BLOCK_LINES` lines
    above that overlap the value sideways (a heading over an address block); `section`:
    in the last heading above it (`sections`);
    `shapes`: the true values' shapes; `lengths`: their number of words. `per_doc` keeps
    each document's own contribution, so the features of
    a training document can be computed without it (leave-one-out), as for a new one.
    """

    documents: int = 0
    left: Counter[str] = field(default_factory=Counter)
    above: Counter[str] = field(default_factory=Counter)
    block: Counter[str] = field(default_factory=Counter)
    section: Counter[str] = field(default_factory=Counter)
    shapes: Counter[str] = field(default_factory=Counter)
    lengths: Counter[int] = field(default_factory=Counter)
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    per_doc: dict[str, Context] = field(default_factory=dict)

    def add(self, doc_id: str, context: Context) -> None:
        """Count one document's true value (its first occurrence)."""
        self.documents += 1
        self.left.update(context.left)
        self.above.update(context.above)
        self.block.update(context.block)
        self.section.update(context.section)
        self.shapes[context.shape] += 1
        self.lengths[context.words] += 1
        self.before[context.before] += 1
        self.after[context.after] += 1
        self.per_doc[doc_id] = context

    def to_json(self) -> dict[str, object]:
        """Return the counts (not the per-document parts) as JSON."""
        return {
            "documents": self.documents,
            "left": dict(self.left),
            "above": dict(self.above),
            "block": dict(self.block),
            "section": dict(self.section),
            "shapes": dict(self.shapes),
            "lengths": {str(k): v for k, v in self.lengths.items()},
            "before": dict(self.before),
            "after": dict(self.after),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ContextCounts:
        """Rebuild counts written by `to_json`."""

        def counter(key: str) -> Counter[str]:
            value = data.get(key) or {}
            assert isinstance(value, dict)
            return Counter({str(k): int(v) for k, v in value.items()})

        lengths = counter("lengths")
        documents = data.get("documents") or 0
        assert isinstance(documents, int)
        return cls(
            documents=documents,
            left=counter("left"),
            above=counter("above"),
            block=counter("block"),
            section=counter("section"),
            shapes=counter("shapes"),
            lengths=Counter({int(k): v for k, v in lengths.items()}),
            before=counter("before"),
            after=counter("after"),
        )


FEATURES = [
    "page", "x0", "y0", "x1", "y1", "line_rank", "words", "chars", "whole_line", "line_start",
    "line_end", "digits", "upper", "alpha", "punct", "left_label", "left_best", "above_label",
    "above_best", "block_label", "block_best", "section_label", "section_best", "line_label",
    "shape_prior", "length_prior", "left_words", "right_words", "same_text_count",
    "before_shape_prior", "after_shape_prior",
]  # fmt: skip


@dataclass
class Featurizer:
    """Turns spans into feature rows with one field's context counts."""

    counts: ContextCounts
    leave_out: str | None = None

    def _stats(self) -> ContextCounts:
        c = self.counts
        mine = c.per_doc.get(self.leave_out or "")
        if mine is None:
            return c
        return ContextCounts(
            documents=c.documents - 1,
            left=c.left - Counter(mine.left),
            above=c.above - Counter(mine.above),
            block=c.block - Counter(mine.block),
            section=c.section - Counter(mine.section),
            shapes=c.shapes - Counter([mine.shape]),
            lengths=c.lengths - Counter([mine.words]),
            before=c.before - Counter([mine.before]),
            after=c.after - Counter([mine.after]),
        )

    def rows(self, pages: list[Page], candidates: list[Span]) -> list[list[float]]:
        """Return one feature row per candidate (names in `FEATURES`)."""
        stats = self._stats()
        docs = max(stats.documents, 1)
        lines = {p.index: page_lines(p) for p in pages}
        headings = {index: sections(found) for index, found in lines.items()}
        sizes = {p.index: (max(p.width, 1), max(p.height, 1)) for p in pages}
        texts = Counter(fold_text(c.text) for c in candidates)

        def score(tokens: Iterable[str], counts: Counter[str]) -> tuple[float, float]:
            shares = [counts[t] / docs for t in tokens if counts[t]]
            return (sum(shares), max(shares, default=0.0))

        out = []
        for c in candidates:
            words = lines[c.page][c.line]
            width, height = sizes[c.page]
            x0 = min(w.box.x0 for w in c.words) / width
            x1 = max(w.box.x1 for w in c.words) / width
            y0 = min(w.box.y0 for w in c.words) / height
            y1 = max(w.box.y1 for w in c.words) / height
            text = c.text
            chars = max(len(text), 1)
            around = context_of(lines[c.page], c, headings[c.page])
            line_tokens = label_tokens(words) - label_tokens(c.words)
            left_sum, left_best = score(around.left, stats.left)
            above_sum, above_best = score(around.above, stats.above)
            block_sum, block_best = score(around.block, stats.block)
            section_sum, section_best = score(around.section, stats.section)
            line_sum, _ = score(line_tokens, stats.left)
            n_lines = max(len(lines[c.page]), 1)
            out.append([
                float(c.page), x0, y0, x1, y1, c.line / n_lines, float(len(c.words)),
                float(len(text)), float(c.start == 0 and c.end == len(words)),
                float(c.start == 0), float(c.end == len(words)),
                sum(ch.isdigit() for ch in text) / chars, sum(ch.isupper() for ch in text) / chars,
                sum(ch.isalpha() for ch in text) / chars,
                float(any(ch in ",.:;/-()" for ch in text)),
                left_sum, left_best, above_sum, above_best, block_sum, block_best, section_sum,
                section_best, line_sum,
                stats.shapes[around.shape] / docs, stats.lengths[around.words] / docs,
                float(c.start), float(len(words) - c.end),
                math.log1p(texts[fold_text(text)]),
                stats.before[around.before] / docs, stats.after[around.after] / docs,
            ])  # fmt: skip
        return out


RELATION_FEATURES = ["same_page", "line_delta", "x_delta", "same_line_after", "anchor_confidence",
                     "rows_below", "x_overlap"]  # fmt: skip
"""Per other field: where a candidate stands from that field's first-stage pick.

`rows_below` is the vertical distance in the anchor's text heights (an address block's
postcode line stands one or two rows under its name, another block's may be as near in
reading order but beside it); `x_overlap` whether the two overlap horizontally.
"""
FAR = 99.0


@dataclass(frozen=True)
class Anchor:
    """Another field's first-stage pick on the same document, and how sure it was."""

    span: Span
    confidence: float


def relation_names(others: list[str]) -> list[str]:
    """Return the names of the relation features to the other fields, in order."""
    return [f"{name}.{feature}" for name in others for feature in RELATION_FEATURES]


def _rows_below(candidate: Span, anchor: Span) -> float:
    """Return how far below the anchor a candidate stands, in the anchor's text heights."""
    height = max(statistics.median(w.box.height for w in anchor.words), 1.0)
    dy = statistics.mean(w.box.cy for w in candidate.words) - statistics.mean(
        w.box.cy for w in anchor.words
    )
    return max(-40.0, min(40.0, dy / height))


def _x_overlap(candidate: Span, anchor: Span) -> bool:
    """Whether a candidate and an anchor share some of the page's width."""
    cx0, cx1 = min(w.box.x0 for w in candidate.words), max(w.box.x1 for w in candidate.words)
    ax0, ax1 = min(w.box.x0 for w in anchor.words), max(w.box.x1 for w in anchor.words)
    return cx0 <= ax1 and ax0 <= cx1


def relation_rows(
    pages: list[Page], candidates: list[Span], anchors: list[Anchor | None]
) -> list[list[float]]:
    """Return, per candidate, its place relative to each anchor (`RELATION_FEATURES`).

    A user's fields often stand together (a name over the postcode and city of one address
    block): the second stage learns those layouts from where the other fields were found.
    """
    widths = {p.index: max(p.width, 1) for p in pages}
    out = []
    for c in candidates:
        x0 = min(w.box.x0 for w in c.words) / widths[c.page]
        row: list[float] = []
        for anchor in anchors:
            if anchor is None:
                row += [0.0, FAR, 0.0, 0.0, 0.0, FAR, 0.0]
                continue
            a = anchor.span
            same_page = a.page == c.page
            ax0 = min(w.box.x0 for w in a.words) / widths[a.page]
            row += [
                float(same_page),
                float(max(-20, min(20, c.line - a.line))) if same_page else FAR,
                x0 - ax0 if same_page else 0.0,
                float(same_page and c.line == a.line and c.start >= a.end),
                anchor.confidence,
                _rows_below(c, a) if same_page else FAR,
                float(same_page and _x_overlap(c, a)),
            ]
        out.append(row)
    return out
