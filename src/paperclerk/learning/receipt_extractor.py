"""The receipt extractor behind the FieldExtractor interface, driven by a trained model."""

from __future__ import annotations

from typing import Any

from paperclerk.extract.base import Extraction
from paperclerk.extract.layout import candidate_from_lines
from paperclerk.extract.receipt import RuleReceiptExtractor
from paperclerk.extract.receipt_amounts import drop_implausible_tax
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.learning.ranker import FieldRanker
from paperclerk.learning.receipt_model import ReceiptModel, Scored
from paperclerk.learning.span_candidates import SpanCandidate
from paperclerk.model import Alternative, DocType, ExtractedField, FieldSource, Page


def thresholds_within(meta: dict[str, Any], max_field_error: float) -> dict[str, float]:
    """Return the thresholds a model's metadata holds for the largest bound ≤ `max_field_error`."""
    levels: dict[str, dict[str, float]] = dict(meta.get("thresholds_by_error") or {})
    if not levels and "thresholds" in meta:
        levels = {"0.01": meta["thresholds"]}
    fitting = [level for level in levels if float(level) <= max_field_error + 1e-12]
    if not fitting:
        return {}
    chosen = levels[max(fitting, key=float)]
    return {str(k): float(v) for k, v in chosen.items()}


def _field(name: str, ranked: list[Scored], ranker: FieldRanker) -> ExtractedField:
    """Build a field from ranked candidates: the best is the value, distinct others are hints."""

    def calibrate(s: Scored) -> float:
        return ranker.confidence(s.score, s.evidence)

    def as_field(s: Scored) -> tuple[object, str, object]:
        c = s.candidate
        if isinstance(c, SpanCandidate):
            cand = candidate_from_lines(c.text, c.lines, 0, s.score, c.text)
        else:
            cand = candidate_from_lines(c.value, c.at.lines, c.at.page, s.score, c.raw)
        return cand.value, cand.raw_text, cand.provenance()

    value, raw, prov = as_field(ranked[0])
    alternatives: list[Alternative] = []
    seen = {repr(value)}
    for s in ranked[1:]:
        v, r, p = as_field(s)
        if repr(v) in seen:
            continue
        seen.add(repr(v))
        alternatives.append(
            Alternative(value=v, raw_text=r, score=round(calibrate(s), 4), provenance=p)
        )  # type: ignore[arg-type]
        if len(alternatives) == 3:
            break
    return ExtractedField(
        name=name,
        value=value,  # type: ignore[arg-type]
        raw_text=raw,
        confidence=round(calibrate(ranked[0]), 4),
        provenance=prov,  # type: ignore[arg-type]
        source=FieldSource.MODEL,
        alternatives=alternatives,
    )


class TrainedReceiptExtractor:
    """Rules read every receipt field; the trained model decides name, address, date, total.

    The counterparty memory then recognises merchants it has seen and puts their confirmed
    name and address in place of what OCR read.
    """

    doc_type = DocType.RECEIPT

    def __init__(self, model: ReceiptModel, memory: CounterpartyMemory | None = None) -> None:
        self.model = model
        self.memory = memory
        self.rules = RuleReceiptExtractor()

    @property
    def version(self) -> str:
        """The model id (and memory size) that produced the fields."""
        model_id = str(self.model.meta.get("id", "receipt-model"))
        return model_id if self.memory is None else f"{model_id}+memory/{len(self.memory)}"

    @property
    def thresholds(self) -> dict[str, float]:
        """Per-field auto-approval thresholds for the default 1 % field error."""
        return self.thresholds_for(0.01)

    def thresholds_for(self, max_field_error: float) -> dict[str, float]:
        """Per-field thresholds chosen in training for the largest error bound within the given one.

        Training stores thresholds for a few bounds (`thresholds_by_error`); a field it
        found no safe level for is absent, and so can never pass. Older models only have
        the 1 % thresholds.
        """
        return thresholds_within(self.model.meta, max_field_error)

    def extract(self, pages: list[Page]) -> Extraction:
        """Return the receipt fields, the key ones chosen by the trained rankers."""
        out = self.rules.extract(pages)
        if not pages or not pages[0].lines:
            return out
        for name, ranker in self.model.rankers.items():
            ranked = self.model.rank(name, pages, out)
            if not ranked:
                out.fields.pop(name, None)
                continue
            out.fields[name] = _field(name, ranked, ranker)
        drop_implausible_tax(out.fields)
        if self.memory is not None:
            self.memory.apply(pages, out.fields)
        return out
