"""Candidates for text fields (a merchant's name, an address): runs of whole lines."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from paperclerk.learning.lexicon import Lexicon, tokens
from paperclerk.model import Line, Page, union_all
from paperclerk.parsers import find_amounts, find_dates, find_phones

# A company registration number printed after the name: "(126926-H)", "273500-U", "(2-19336-T)".
_REG_NO = re.compile(
    r"\s*[\(\[]?\s*(?:CO\.?\s*(?:REG\.?|NO\.?)\s*)?[A-Z0-9]{0,3}-?\d{3,}-?[A-Z]\b\s*[\)\]]?.*$"
)
_TRAILING_PAREN = re.compile(r"\s*\([^()]*\d[^()]*\)\s*$")
_POSTCODE_LIKE = re.compile(r"\b\d{4,6}\b")
# A postcode followed by the place it names (`81750 MASAI`, `53300 KL`, `10115 Berlin`), the
# usual last line of an address; a lot or house number is followed by a street word instead,
# which this shape alone cannot tell, so the ranker learns how much it counts.
_POSTCODE_PLACE = re.compile(r"(?:^|[\s,])\d{4,6}\s*,?\s*[A-Za-z]{2,}")
_ENCLOSED = re.compile(r"^\s*[(\[].*[)\]]\W*$")


@dataclass
class SpanCandidate:
    """A run of lines [start, end) of a page, as text; `variant` says how it was trimmed."""

    start: int
    end: int
    text: str
    variant: int
    lines: list[Line]


def span_text(lines: list[Line]) -> str:
    """Join line texts with single spaces, upper-cased as receipts print names."""
    return " ".join(" ".join(ln.text for ln in lines).split()).upper()


def span_candidates(
    page: Page, max_start: int, max_len: int, trim_ids: bool = False
) -> list[SpanCandidate]:
    """Return every run of up to `max_len` lines starting in the first `max_start` lines.

    With `trim_ids`, a run that ends in a registration number also appears without it.
    """
    lines = page.lines
    out: list[SpanCandidate] = []
    for i in range(min(max_start, len(lines))):
        for j in range(i + 1, min(len(lines), i + max_len) + 1):
            text = span_text(lines[i:j])
            out.append(SpanCandidate(i, j, text, 0, lines[i:j]))
            if trim_ids:
                seen = {text}
                for variant, pattern in ((1, _REG_NO), (2, _TRAILING_PAREN)):
                    trimmed = pattern.sub("", text).strip()
                    if trimmed and trimmed not in seen:
                        seen.add(trimmed)
                        out.append(SpanCandidate(i, j, trimmed, variant, lines[i:j]))
    return out


def _shape(text: str) -> tuple[float, float, float, float]:
    n = max(len(text), 1)
    digits = sum(c.isdigit() for c in text) / n
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters) / max(len(letters), 1)
    punct = sum(c in ",.;:" for c in text) / n
    return digits, upper, punct, float(len(text))


def _typed(text: str) -> list[float]:
    return [
        float(bool(find_phones(text))),
        float(bool(find_dates(text))),
        float(any(a.raw.count(".") or a.raw.count(",") for a in find_amounts(text))),
        float(bool(_POSTCODE_LIKE.search(text))),
        float(bool(re.search(r"@|WWW\.|HTTP", text, re.I))),
    ]


SPAN_FEATURES = [
    "start", "n_lines", "start_rel", "y0_rel", "y1_rel", "height_ratio", "max_height_ratio",
    "x_center_rel", "width_rel", "digits", "upper", "punct", "chars", "words", "conf", "variant",
    "ends_comma", "lex_self_mean", "lex_self_min", "lex_self_max", "lex_other_mean",
    "lex_prev_mean", "lex_next_mean", "lex_next_other", "lex_prev_other", "phone", "date",
    "money", "postcode", "web", "next_phone", "next_date", "prev_lines_postcode", "rule_overlap",
    "n_page_lines", "enclosed", "first_enclosed", "last_enclosed", "postcode_place",
    "last_postcode_place", "next_postcode_place", "end_last", "end_inner",
]  # fmt: skip


class SpanFeaturizer:
    """Describes spans of one page: position, size, shape, typed values and learned words.

    `own` scores words of this field, `other` of the neighbouring field (name vs address), so
    that a name span learns to stop where the address starts. Everything that depends on one
    line only is computed once per line, which keeps a page's few hundred spans fast.
    """

    def __init__(
        self,
        page: Page,
        own: Lexicon,
        other: Lexicon,
        rule_word_ids: set[str],
        ends: Lexicon | None = None,
    ) -> None:
        """Describe spans of `page`; `ends` weighs the words a field's value ends with."""
        self.page = page
        self.own, self.other = own, other
        self.rule_ids = rule_word_ids
        lines = page.lines
        self.median_h = statistics.median([ln.box.height for ln in lines] or [1.0]) or 1.0
        self.typed = [_typed(ln.text) for ln in lines]
        self.own_line = [own.scores(ln.text)[0] for ln in lines]
        self.other_line = [other.scores(ln.text)[0] for ln in lines]
        self.enclosed = [float(bool(_ENCLOSED.match(ln.text))) for ln in lines]
        self.postcode_place = [float(bool(_POSTCODE_PLACE.search(ln.text))) for ln in lines]
        self.ends = [_end_weight(ends, ln.text) for ln in lines]
        self.postcode_before = [0.0]
        for ln in lines:
            seen = self.postcode_before[-1] or float(bool(_POSTCODE_LIKE.search(ln.text)))
            self.postcode_before.append(seen)

    def __call__(self, cand: SpanCandidate) -> list[float]:
        """Return the feature row of one span."""
        page, lines = self.page, self.page.lines
        box = union_all([ln.box for ln in cand.lines])
        assert box is not None
        w, h = max(page.width, 1), max(page.height, 1)
        n = len(lines)
        self_mean, self_min, self_max = self.own.scores(cand.text)
        words = {wid for ln in cand.lines for wid in ln.word_ids}
        overlap = len(self.rule_ids & words) / max(len(self.rule_ids | words), 1)
        digits, upper, punct, chars = _shape(cand.text)
        typed = [max(col) for col in zip(*self.typed[cand.start : cand.end], strict=True)]
        after = self.typed[cand.end] if cand.end < n else [0.0] * 5
        return [
            cand.start,
            cand.end - cand.start,
            cand.start / max(n, 1),
            box.y0 / h,
            box.y1 / h,
            statistics.fmean(ln.box.height for ln in cand.lines) / self.median_h,
            max(ln.box.height for ln in cand.lines) / self.median_h,
            box.cx / w,
            box.width / w,
            digits,
            upper,
            punct,
            chars,
            len(cand.text.split()),
            statistics.fmean(ln.confidence for ln in cand.lines),
            cand.variant,
            float(cand.text.endswith(",")),
            self_mean,
            self_min,
            self_max,
            self.other.scores(cand.text)[0],
            self.own_line[cand.start - 1] if cand.start > 0 else 0.0,
            self.own_line[cand.end] if cand.end < n else 0.0,
            self.other_line[cand.end] if cand.end < n else 0.0,
            self.other_line[cand.start - 1] if cand.start > 0 else 0.0,
            *typed,
            after[0],
            after[1],
            self.postcode_before[cand.start],
            overlap,
            n,
            float(bool(_ENCLOSED.match(cand.text))),
            self.enclosed[cand.start],
            self.enclosed[cand.end - 1],
            max(self.postcode_place[cand.start : cand.end]),
            self.postcode_place[cand.end - 1],
            self.postcode_place[cand.end] if cand.end < n else 0.0,
            self.ends[cand.end - 1],
            max(self.ends[cand.start : cand.end - 1], default=0.0),
        ]


def _end_weight(ends: Lexicon | None, text: str) -> float:
    """Return how much a line's last word says that the field's value ends there (0: unknown)."""
    found = tokens(text)
    return ends.weight(found[-1]) if ends is not None and found else 0.0
