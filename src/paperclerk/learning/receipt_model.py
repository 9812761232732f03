"""The trained receipt model: learned lexicons and one candidate ranker per key field."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from paperclerk.datasets.dataset import Dataset, TrainingExample
from paperclerk.extract.base import Extraction
from paperclerk.extract.layout import rows_of
from paperclerk.extract.receipt import RuleReceiptExtractor
from paperclerk.extract.receipt_amounts import card_payment, tendered_total
from paperclerk.learning.general_words import english_words
from paperclerk.learning.lexicon import Lexicon, tokens
from paperclerk.learning.ranker import FieldRanker, Group, columns_for
from paperclerk.learning.span_candidates import (
    SPAN_FEATURES,
    SpanCandidate,
    SpanFeaturizer,
    span_candidates,
)
from paperclerk.learning.text_repair import TextRepair
from paperclerk.learning.value_candidates import (
    AMOUNT_FEATURES,
    DATE_FEATURES,
    ValueCandidate,
    amount_candidates,
    amount_features,
    date_candidates,
    date_features,
    page_rows,
)
from paperclerk.learning.word_repair import WordRepair
from paperclerk.model import Page
from paperclerk.parsers import find_amounts, find_dates, same_loose_text

# field → (first line a run may start at, most lines in a run, trim registration numbers)
SPAN_FIELDS: dict[str, tuple[int, int, bool]] = {
    "merchant_name": (10, 3, True),
    "merchant_address": (20, 6, False),
}
# The other text field whose words tell a span where to stop.
NEIGHBOUR = {"merchant_name": "merchant_address", "merchant_address": "merchant_name"}
VALUE_FIELDS = ("total", "transaction_date")
# Legal forms of companies in several countries, written without dots ("S.A." → "SA").
LEGAL_FORMS = frozenset(
    {
        "SDN BHD", "BHD", "BERHAD", "S/B", "PTE LTD", "LTD", "LIMITED", "PLC", "LLC", "LLP",
        "INC", "CORP", "CORPORATION", "CO", "COMPANY", "GMBH", "AG", "KG", "OHG", "SARL",
        "SAS", "SA", "SRL", "SPA", "SL", "BV", "NV", "OY", "AB", "PTY", "KK", "ENTERPRISE",
        "ENTERPRISES", "TRADING",
    }
)  # fmt: skip
LEGAL_FORM_LINES = 3
"""A name confirmed by its legal form starts within this many first lines of the page."""
FORMAT = "paperclerk-receipt-model/1"


def same_text(a: str, b: str) -> bool:
    """Whether two texts are equal after collapsing whitespace and case."""
    return " ".join(a.upper().split()) == " ".join(b.upper().split())


@dataclass
class Scored:
    """A candidate with its raw model score."""

    candidate: SpanCandidate | ValueCandidate
    score: float
    evidence: bool = False

    @property
    def value(self) -> object:
        """The value the candidate would give the field."""
        c = self.candidate
        return c.text if isinstance(c, SpanCandidate) else c.value


class ReceiptModel:
    """Lexicons and rankers for merchant name, address, date and total."""

    def __init__(
        self,
        lexicons: dict[str, Lexicon],
        rankers: dict[str, FieldRanker],
        meta: dict[str, Any] | None = None,
        repairs: dict[str, TextRepair] | None = None,
        words: WordRepair | None = None,
    ) -> None:
        self.lexicons = lexicons
        self.rankers = rankers
        self.meta = meta or {}
        self.repairs = repairs or {}
        self.words = words

    def candidates(
        self, name: str, pages: list[Page], rule: Extraction
    ) -> tuple[list[SpanCandidate] | list[ValueCandidate], list[list[float]]]:
        """Return the candidates of a field on the pages with their feature rows."""
        rule_field = rule.fields.get(name)
        if name in SPAN_FIELDS:
            max_start, max_len, trim = SPAN_FIELDS[name]
            ids = (
                set(rule_field.provenance.word_ids)
                if rule_field and rule_field.provenance
                else set()
            )
            spans = span_candidates(pages[0], max_start, max_len, trim)
            repair = self.repairs.get(name)
            for span in spans:
                if repair is not None:
                    span.text = repair.apply(span.text)
                if self.words is not None:
                    span.text = self.words.apply(span.text)
            own, other = self.lexicons[name], self.lexicons[NEIGHBOUR[name]]
            ends = self.lexicons.get(end_lexicon(name))
            featurize = SpanFeaturizer(pages[0], own, other, ids, ends)
            return spans, [featurize(c) for c in spans]
        rows = page_rows(pages)
        rule_value = rule_field.value if rule_field else None
        if name == "total":
            amounts = amount_candidates(rows)
            return amounts, amount_features(amounts, self.lexicons[name], rule_value, pages[0])
        dates = date_candidates(rows)
        return dates, date_features(dates, self.lexicons[name], rule_value, pages[0])

    def rank(self, name: str, pages: list[Page], rule: Extraction) -> list[Scored]:
        """Return the candidates of a field, best first: the surest by calibrated confidence.

        A candidate something independent confirms (`evidence`: cash less change) has a
        calibration of its own, so a lower score can be the surer one; ties of confidence
        go to the confirmed candidate, then to the higher score (a calibration curve is a
        staircase: a branch line in brackets can share the step of a name ending in SDN BHD).
        """
        if not pages or not pages[0].lines:
            return []
        cands, feats = self.candidates(name, pages, rule)
        ranker = self.rankers[name]
        scores = ranker.scores(columns_for(feats, FEATURES[name], ranker.feature_names))
        confirmed = evidence(name, cands, feats, pages)
        return sorted(
            (
                Scored(c, s, e)  # type: ignore[arg-type]
                for c, s, e in zip(cands, scores, confirmed, strict=True)
            ),
            key=lambda s: (-ranker.confidence(s.score, s.evidence), -s.evidence, -s.score),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the whole model as JSON."""
        return {
            "format": FORMAT,
            "meta": self.meta,
            "lexicons": {k: v.to_json() for k, v in self.lexicons.items()},
            "rankers": {k: v.to_json() for k, v in self.rankers.items()},
            "repairs": {k: v.to_json() for k, v in self.repairs.items()},
            "words": self.words.to_json() if self.words is not None else None,
        }

    def save(self, path: Path) -> None:
        """Write the model as gzipped JSON (reproducible bytes: no timestamp in the gzip)."""
        raw = json.dumps(self.to_json(), sort_keys=True).encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(raw, mtime=0))

    @classmethod
    def load(cls, path: Path) -> ReceiptModel:
        """Read a model written by `save`."""
        data = json.loads(gzip.decompress(path.read_bytes()))
        if data.get("format") != FORMAT:
            raise ValueError(f"{path} is not a {FORMAT} file")
        return cls(
            {k: Lexicon.from_json(v) for k, v in data["lexicons"].items()},
            {k: FieldRanker.from_json(v) for k, v in data["rankers"].items()},
            data.get("meta", {}),
            {k: TextRepair.from_json(v) for k, v in data.get("repairs", {}).items()},
            WordRepair.from_json(data["words"]) if data.get("words") else None,
        )


def _truth(name: str, text: str) -> object:
    if name == "total":
        return Decimal(text)
    if name == "transaction_date":
        return dt.date.fromisoformat(text)
    return text


def span_labels(cands: list[SpanCandidate], truth: str) -> list[int]:
    """Mark the spans that read as the confirmed text; fall back to the closest (≥ 85 %)."""
    exact = [int(same_text(c.text, truth)) for c in cands]
    if any(exact):
        return exact
    ratios = [fuzz.ratio(c.text, truth.upper()) for c in cands]
    best = max(ratios, default=0.0)
    return [int(best >= 85 and r == best) for r in ratios]


def end_lexicon(name: str) -> str:
    """Return the key of the lexicon that weighs the words a text field's value ends with."""
    return f"{name}.end"


def learn_lexicons(examples: list[TrainingExample]) -> dict[str, Lexicon]:
    """Learn the word evidence of each field from the confirmed values and their pages.

    Each text field also gets a lexicon of the words its value ends with, against the
    last words of its other lines (`MALAYSIA` ends an address, `JALAN` never does): where
    a span should stop, not only which lines it holds.
    """
    inside: dict[str, list[str]] = {
        k: [] for k in (*SPAN_FIELDS, *VALUE_FIELDS, *map(end_lexicon, SPAN_FIELDS))
    }
    outside: dict[str, list[str]] = {k: [] for k in inside}
    for ex in examples:
        if not ex.pages:
            continue
        head = [ln.text for ln in ex.pages[0].lines[:25]]
        for name in SPAN_FIELDS:
            truth = ex.fields.get(name)
            if not truth:
                continue
            inside[name].append(truth)
            last = tokens(truth)[-1:]
            inside[end_lexicon(name)].extend(last)
            for t in head:
                if fuzz.partial_ratio(t.upper(), truth.upper()) < 80:
                    outside[name].append(t)
                elif (words := tokens(t)) and words[-1] not in last:
                    outside[end_lexicon(name)].append(words[-1])  # a line of it, not its end
        rows = page_rows(ex.pages)
        for name, finder in (("total", find_amounts), ("transaction_date", find_dates)):
            truth = ex.fields.get(name)
            if not truth:
                continue
            want = _truth(name, truth)
            for row in rows:
                found = [m.value for m in finder(row.text)]  # type: ignore[operator]
                if found:
                    (inside if want in found else outside)[name].append(row.text)
    return {k: Lexicon.learn(inside[k], outside[k]) for k in inside}


def read_and_confirmed(
    model: ReceiptModel, examples: list[TrainingExample], rules: list[Extraction], name: str
) -> list[tuple[str, str]]:
    """Pair the best-matching span OCR read with the confirmed text, per OCR'd example."""
    pairs: list[tuple[str, str]] = []
    for ex, rule in zip(examples, rules, strict=True):
        truth = ex.fields.get(name)
        if not truth or ex.source.endswith("given") or not ex.pages[0].lines:
            continue
        cands, _ = model.candidates(name, ex.pages, rule)
        labels = span_labels(cands, truth)  # type: ignore[arg-type]
        best = next((c for c, ok in zip(cands, labels, strict=True) if ok), None)
        if isinstance(best, SpanCandidate):
            pairs.append((best.text, " ".join(truth.split())))
    return pairs


def learn_words(
    model: ReceiptModel, examples: list[TrainingExample], rules: list[Extraction]
) -> WordRepair:
    """Learn the spelling repair from every confirmed name and address and what OCR read."""
    confirmed = [v for ex in examples for n in SPAN_FIELDS if (v := ex.fields.get(n))]
    pairs = [p for name in SPAN_FIELDS for p in read_and_confirmed(model, examples, rules, name)]
    return WordRepair.learn(confirmed, pairs, english_words())


def learn_repairs(
    model: ReceiptModel, examples: list[TrainingExample], rules: list[Extraction]
) -> dict[str, TextRepair]:
    """Learn each text field's punctuation repair from OCR'd examples (not typed-in words)."""
    repairs = {}
    for name in SPAN_FIELDS:
        repair = TextRepair.learn(read_and_confirmed(model, examples, rules, name))
        confirmed = [v for ex in examples if (v := ex.fields.get(name))]
        repair.comma_after, stops = TextRepair.learn_commas(confirmed)
        repair.stop_words = set(stops)
        repairs[name] = repair
    return repairs


def build_groups(
    model: ReceiptModel, examples: list[TrainingExample], name: str, rules: list[Extraction]
) -> list[Group]:
    """Turn examples into labelled candidate groups for one field."""
    groups: list[Group] = []
    for ex, rule in zip(examples, rules, strict=True):
        truth = ex.fields.get(name)
        if not truth or not ex.pages or not ex.pages[0].lines:
            continue
        cands, feats = model.candidates(name, ex.pages, rule)
        exact = None
        if name in SPAN_FIELDS:
            labels = span_labels(cands, truth)  # type: ignore[arg-type]
            # Right as a back office counts it: case, spacing and punctuation aside.
            exact = [int(same_loose_text(c.text, truth)) for c in cands]  # type: ignore[union-attr]
        else:
            want = _truth(name, truth)
            labels = [int(c.value == want) for c in cands]  # type: ignore[union-attr]
        groups.append(
            Group(
                feats, labels, exact, ex.source != "sroie-given", ex.id,
                evidence(name, cands, feats, ex.pages),
            )
        )  # fmt: skip
    return groups


def ends_in_legal_form(text: str) -> bool:
    """Whether a text ends in a company's legal form (`SDN BHD`, `LTD`, `GMBH`, `S.A.` …)."""
    words = re.sub(r"[^\w/ ]", "", text.upper()).split()
    for n in (2, 1):  # the longer form first: "SDN BHD" alone names no company
        if " ".join(words[-n:]) in LEGAL_FORMS:
            return len(words) > n
    return False


def evidence(
    name: str,
    cands: list[SpanCandidate] | list[ValueCandidate],
    feats: list[list[float]],
    pages: list[Page],
) -> list[bool]:
    """Whether something independent of the ranker confirms each candidate's value.

    A total equal to the cash paid less the change, both found by their keywords (they
    agree with the confirmed total on 188 of 189 SROIE transcriptions that print them), or
    the amount paid by card where no change is given (`card_payment`; 14 of 14).
    A merchant name that ends in a legal form (`SDN BHD`, `LTD`, `GMBH`) and starts among
    the first lines of the page: how companies head their receipts. Winners so confirmed
    are calibrated on a curve of their own. (A name that is exactly
    the rules' pick was tried too: cross-fitted, such names were no more often right than
    the others, so they share the common curve.)
    """
    if name == "merchant_name":
        return [
            isinstance(c, SpanCandidate)
            and c.start < LEGAL_FORM_LINES
            and ends_in_legal_form(c.text)
            for c in cands
        ]
    if name == "total":
        rows = [row for page in pages for row in rows_of(page)]
        paid = tendered_total(rows) or card_payment(rows)
        return [paid is not None and getattr(c, "value", None) == paid for c in cands]
    return [False] * len(cands)


FEATURES = {
    "merchant_name": SPAN_FEATURES,
    "merchant_address": SPAN_FEATURES,
    "total": AMOUNT_FEATURES,
    "transaction_date": DATE_FEATURES,
}


def train_receipt_model(
    dataset: Dataset, on_progress: Callable[[str], None] | None = None
) -> tuple[ReceiptModel, dict[str, Any], dict[str, dict[str, tuple[float, bool]]]]:
    """Train lexicons and rankers on receipts.

    Returns the model, a report per field, and per field and example id the cross-fitted
    (calibrated confidence, right) pair of the example's top candidate.
    """
    examples = [ex for ex in dataset if ex.pages]
    rule_extractor = RuleReceiptExtractor()
    rules = [rule_extractor.extract(ex.pages) for ex in examples]
    model = ReceiptModel(learn_lexicons(examples), {})
    model.repairs = learn_repairs(model, examples, rules)
    model.words = learn_words(model, examples, rules)
    report: dict[str, Any] = {"examples": len(examples), "fields": {}}
    held: dict[str, dict[str, tuple[float, bool]]] = {}
    for name, features in FEATURES.items():
        if on_progress:
            on_progress(name)
        groups = build_groups(model, examples, name, rules)
        ranker = FieldRanker(features)
        held_out = ranker.fit(groups)
        model.rankers[name] = ranker
        held[name] = {
            h.key: (ranker.confidence(h.score, h.evidence), bool(h.right)) for h in held_out
        }
        reachable = sum(1 for g in groups if any(g.labels))
        report["fields"][name] = {
            "documents": len(groups),
            "reachable": reachable,
            "cross_fitted_top_accuracy": (
                round(sum(h.right for h in held_out) / len(held_out), 4) if held_out else None
            ),
        }
    return model, report, held
