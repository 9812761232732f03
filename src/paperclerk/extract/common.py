"""Keyword anchors for rule-based extractors: fuzzy label search and the text next to a label.

Invoices print most header fields as ``label value`` (``Invoice No: 123``) or as a label with
its value underneath (table-style headers).  ``DocIndex.find_labels`` finds labels in any of
several languages with rapidfuzz, so that OCR slips (``Tota1``, ``Rechnungsnumrner``) still
match, and ``DocIndex.right_of`` / ``DocIndex.below`` return the text where the value sits,
with the words it came from for provenance.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from rapidfuzz import fuzz, process

from paperclerk.extract.layout import Row, rows_of
from paperclerk.model import Box, ExtractedField, Line, Page, Word, union_all

_KEEP = re.compile(r"[^a-z0-9 ]+")


def norm(text: str) -> str:
    """Fold text for label matching: lower-case, no accents, ``n°``/``#`` → ``no``."""
    t = text.lower().replace("°", "o").replace("º", "o").replace("#", " no ").replace("ł", "l")
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    return " ".join(_KEEP.sub(" ", t).split())


@dataclass(frozen=True)
class Label:
    """A keyword anchor: its text and the (field, weight) pairs it points to."""

    text: str
    fields: tuple[tuple[str, float], ...]

    @property
    def key(self) -> str:
        """The label folded by ``norm`` with spaces removed, as it is matched."""
        return norm(self.text).replace(" ", "")


@dataclass
class Span:
    """A run of words on one page, e.g. the text to the right of a label."""

    page: int
    words: list[Word]
    prefix: str = ""  # the part of a word glued to a label (``n°562044387`` → ``562044387``)
    prefix_word: Word | None = None  # the word that prefix was cut from

    @property
    def text(self) -> str:
        """The span text, words joined by single spaces."""
        parts = ([self.prefix] if self.prefix else []) + [w.text for w in self.words]
        return " ".join(parts)

    def evidence(self, start: int = 0, end: int | None = None) -> tuple[list[str], Box | None]:
        """Return word ids and box of the words under characters ``start:end`` of ``text``."""
        end = len(self.text) if end is None else end
        pos = len(self.prefix) + 1 if self.prefix else 0
        chosen: list[Word] = []
        if self.prefix and self.prefix_word is not None and start < len(self.prefix):
            chosen.append(self.prefix_word)
        for w in self.words:
            if pos < end and pos + len(w.text) > start:
                chosen.append(w)
            pos += len(w.text) + 1
        if not chosen and self.words:
            chosen = self.words[:1]
        return [w.id for w in chosen], union_all([w.box for w in chosen])


@dataclass
class LabelHit:
    """Where a label was found: the line, the label's word range and the match score."""

    label: Label
    page: int
    line: Line
    words: list[Word]
    start: int
    end: int
    rest: str
    score: float

    @property
    def box(self) -> Box:
        """Box of the label words."""
        box = union_all([w.box for w in self.words[self.start : self.end]])
        return box if box is not None else self.line.box

    @property
    def n_chars(self) -> int:
        """Length of the label; of overlapping labels the longest well-matched one wins."""
        return len(self.label.key)


_GLUED = re.compile(r"^([^\W\d_]+[°º.:#]*)(?=[\d#])")


def match_score(query: list[str], label: list[str]) -> float | None:
    """Score folded window tokens against folded label tokens, or None when they differ.

    Tokens are compared one to one: short ones (four letters or less: ``no``, ``id``,
    ``date``; five for a one-word label, or ``Payet`` would be ``Payee``) must be equal,
    longer ones may differ by OCR slips (ratio >= 80, length +-1). When OCR merged or
    split words the joined strings must be nearly equal instead, and fewer words than the
    label's may not be shorter than it: a dropped word is not a slip.
    """
    if len(query) == len(label):
        scores: list[float] = []
        for q, lb in zip(query, label, strict=True):
            if len(lb) <= 4 or len(q) <= 3 or (len(label) == 1 and len(lb) <= 5):
                if q != lb:
                    return None
                scores.append(100.0)
            else:
                ratio = fuzz.ratio(q, lb)
                if ratio < 80 or abs(len(q) - len(lb)) > (2 if len(lb) >= 10 else 1):
                    return None
                scores.append(ratio)
        return sum(scores) / len(scores) / 100
    q, lb = "".join(query), "".join(label)
    if len(lb) <= 6:
        return 1.0 if q == lb else None
    if len(query) < len(label) and len(q) < len(lb):
        return None  # a word of the label is missing ("Adresse de" is not "Adressé à")
    ratio = fuzz.ratio(q, lb)
    return ratio / 100 if ratio >= 90 and abs(len(q) - len(lb)) <= 1 else None


def _in_brackets(words: list[Word], start: int) -> bool:
    """Whether a label starting at word ``start`` sits inside an open bracket.

    ``Nettobetrag (zzgl. 19% MwSt.) 376,37``: the parenthesis qualifies the label before
    it; ``[Seller name]``: square brackets mark a template's placeholder, a value printed
    where the name goes. Neither holds a label of its own.
    """
    before = "".join(w.text for w in words[:start])
    if words[start].text.startswith("["):
        before += "["
    return before.count("(") > before.count(")") or before.count("[") > before.count("]")


def amount_of(fields: dict[str, ExtractedField], name: str) -> Decimal | None:
    """Return an extracted field's value when it is an amount, else None."""
    found = fields.get(name)
    return found.value if found is not None and isinstance(found.value, Decimal) else None


def same_row(a: Box, b: Box) -> bool:
    """Whether two line boxes sit on one text row (centres within half the smaller height).

    Centres are used rather than overlaps because OCR pads line boxes so much that the
    boxes of consecutive rows overlap.
    """
    return abs(a.cy - b.cy) < 0.45 * max(min(a.height, b.height), 1.0)


def drop(a: Box, b: Box) -> float:
    """How far ``b`` lies below ``a``: centre distance in units of the smaller line height."""
    return (b.cy - a.cy) / max(min(a.height, b.height), 1.0)


@dataclass
class DocIndex:
    """Words, lines and visual rows of a document, with label search on top."""

    pages: list[Page]
    words: dict[str, Word] = field(init=False)
    rows: dict[int, list[Row]] = field(init=False)
    hits_by_line: dict[str, list[LabelHit]] = field(init=False)

    def __post_init__(self) -> None:
        self.words = {w.id: w for p in self.pages for w in p.words}
        self.rows = {p.index: rows_of(p) for p in self.pages}
        self.hits_by_line = defaultdict(list)

    def line_words(self, line: Line) -> list[Word]:
        """Return the words of a line in order."""
        return [self.words[i] for i in line.word_ids if i in self.words]

    def lines(self) -> list[tuple[int, Line]]:
        """Every line of the document with its page index, in reading order."""
        return [(p.index, ln) for p in self.pages for ln in p.lines]

    def find_labels(self, labels: list[Label]) -> list[LabelHit]:
        """Find every label occurrence; of overlapping labels on a line the longest wins."""
        by_key: dict[str, Label] = {lb.key: lb for lb in labels}
        keys = list(by_key)
        max_words = max((len(norm(lb.text).split()) for lb in labels), default=1) + 1
        out: list[LabelHit] = []
        for page, line in self.lines():
            words = self.line_words(line)
            found: list[LabelHit] = []
            for i in range(len(words)):
                for j in range(i + 1, min(len(words), i + max_words) + 1):
                    found.extend(self._match_window(by_key, keys, page, line, words, i, j))
            found.sort(key=lambda h: (-h.n_chars * h.score**2, -h.score))
            kept: list[LabelHit] = []
            for h in found:
                if all(h.end <= k.start or h.start >= k.end for k in kept):
                    kept.append(h)
            kept = [h for h in kept if not _in_brackets(words, h.start)]
            kept.sort(key=lambda h: h.start)
            self.hits_by_line[line.id] = kept
            out.extend(kept)
        return out

    def _match_window(
        self,
        by_key: dict[str, Label],
        keys: list[str],
        page: int,
        line: Line,
        words: list[Word],
        i: int,
        j: int,
    ) -> list[LabelHit]:
        texts = [w.text for w in words[i:j]]
        variants = [(norm(" ".join(texts)).split(), "")]
        glued = _GLUED.match(texts[-1])
        if glued:
            head = norm(" ".join([*texts[:-1], glued.group(1)])).split()
            variants.append((head, texts[-1][glued.end() :].lstrip(":#.")))
        hits: list[LabelHit] = []
        for tokens, rest in variants:
            if not tokens:
                continue
            for key, _, _ in process.extract(
                "".join(tokens), keys, scorer=fuzz.ratio, score_cutoff=75.0, limit=None
            ):
                label = by_key[key]
                score = match_score(tokens, norm(label.text).split())
                if score is not None:
                    hits.append(LabelHit(label, page, line, words, i, j, rest, score))
        return hits

    def starts_with_label(self, line: Line) -> bool:
        """Whether a line opens with a label, so that it holds its own field, not a value.

        A lone one-word label without a colon in front of plain words (``Customer Corp``) is
        taken for part of a name, not a label.
        """
        hits = self.hits_by_line.get(line.id, [])
        if not hits or hits[0].start != 0:
            return False
        hit = hits[0]
        label_text = " ".join(w.text for w in hit.words[hit.start : hit.end])
        rest = " ".join(w.text for w in hit.words[hit.end :])
        weak = hit.end == 1 and not label_text.endswith(":") and not hit.rest
        return not (weak and rest and not any(c.isdigit() for c in rest))

    def right_of(self, hit: LabelHit) -> list[Span]:
        """Spans to the right of a label on its row, up to the next label."""
        spans: list[Span] = []
        later = [h.start for h in self.hits_by_line.get(hit.line.id, []) if h.start >= hit.end]
        stop = min(later, default=len(hit.words))
        same = hit.words[hit.end : stop]
        if same or hit.rest:
            glued = hit.words[hit.end - 1] if hit.rest else None
            spans.append(Span(hit.page, same, hit.rest, glued))
        if stop < len(hit.words):
            return spans
        page = next(p for p in self.pages if p.index == hit.page)
        row = [ln for ln in page.lines if self.on_row(hit.page, hit.line.box, ln.box)]
        for line in sorted(row, key=lambda ln: ln.box.x0):
            if line.id == hit.line.id or line.box.x0 < hit.box.x1 - 2:
                continue
            if self.starts_with_label(line):
                break
            spans.append(Span(hit.page, self.line_words(line)))
        return spans

    def on_row(self, page: int, a: Box, b: Box) -> bool:
        """Whether line box `b` sits on the row of `a` (`same_row`; a subclass may tilt it)."""
        return same_row(a, b)

    def below(self, hit: LabelHit, max_lines: int = 2) -> list[Span]:
        """Lines under a label (overlapping it horizontally), nearest first."""
        box = hit.box
        page = next(p for p in self.pages if p.index == hit.page)
        found: list[tuple[float, Line]] = []
        for line in page.lines:
            d = drop(hit.line.box, line.box)
            if not 0.45 < d <= 3.0 or line.id == hit.line.id:
                continue
            overlap = min(line.box.x1, box.x1) - max(line.box.x0, box.x0)
            if overlap <= 0:
                continue
            found.append((d, line))
        found.sort(key=lambda t: t[0])
        spans: list[Span] = []
        for _, line in found[:max_lines]:
            if self.starts_with_label(line):
                break
            spans.append(Span(hit.page, self.line_words(line)))
        return spans
