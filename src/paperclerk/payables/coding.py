"""GL account and cost centre coding of invoice lines, suggested from confirmed history.

Every confirmed coding of an invoice line (a `PUT /v1/documents/{id}/coding`, or a
reviewer approving an invoice whose lines carry `gl_account` cells) is kept in
`line_codings` with the supplier key and the normalised line text. A new line is coded
by a weighted vote of the confirmed lines whose text is similar to it:

- similarity: the mean of rapidfuzz `token_set_ratio` and `token_sort_ratio` of the
  normalised texts (0..1); lines below `MIN_SIMILARITY` do not vote;
- weight: similarity to the power `SHARPNESS`, times 1 for lines of the same supplier and
  `OTHER_SUPPLIER_WEIGHT` for the rest of the workspace — the same supplier's own
  history first, the workspace's as a weaker fallback;
- when the supplier's own history has the very same (normalised) text, only those lines
  vote: the item was coded before, and "Service fee A" must not be outvoted by its
  siblings "Service fee B", "C", … of other accounts;
- when no line is similar enough, the supplier's own lines all vote (a new item of a
  known supplier is most often booked like its other items), each alike, scored as
  similarity `PRIOR_SIMILARITY`, which keeps the confidence low;
- each account gets a raw score (its share of the vote × the squared best similarity
  among its voters, discounted for other-supplier-only evidence and thin support),
  mapped to a confidence by `CALIBRATION`, a monotone table measured on the e-invoice
  replay (`benchmarks/gl_coding.py`: isotonic fit of "the suggestion was right" on the
  raw score). The same for the cost centre. Up to `MAX_ALTERNATIVES` runners-up come
  along.

What the confidence means, as measured there (349 lines, synthetic seeded coding): a
line whose item the supplier's history holds is suggested at 0.99 and was right 99.5 %
of the time; anything else (a similar or a new item) lands near 0.4–0.5 and was right
about that often; the confidence of the map fitted on the other half of the invoices is
off by 0.11 on average (ECE). It is a memory, not a model of what items are: it does not
generalise to items no one has coded.

Coding is advisory: `payables.coding_store` keeps the history and fills the line cells
(source `memory`) of confident suggestions; it never changes the decision. This module
reads nothing from the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process

from paperclerk.errors import PaperclerkError
from paperclerk.model import Document
from paperclerk.payables.matching import InvoiceParty, SupplierMatch

MIN_SIMILARITY = 0.6
"""Least text similarity (0..1) of a confirmed line that votes for a new one."""
SHARPNESS = 4.0
"""A vote weighs similarity ** SHARPNESS: a near-identical line outweighs loose ones."""
OTHER_SUPPLIER_WEIGHT = 0.35
"""Weight of another supplier's confirmed line relative to the same supplier's."""
EXACT = 0.999
"""Similarity from which a line counts as the same text (normalised)."""
PRIOR_SIMILARITY = 0.5
"""The similarity a supplier's line votes with for a new item (all alike: a frequency)."""
MAX_ALTERNATIVES = 3
FILL_MIN_CONFIDENCE = 0.8
"""Least calibrated confidence of a suggestion written into a line's cells by the worker
(on the replay, suggestions at or above it were right 99 % of the time)."""
MAX_WORKSPACE_LINES = 5000
"""Other suppliers' confirmed lines considered (the newest); the supplier's own: all."""
MAX_CODE = 50
CALIBRATION: tuple[tuple[float, float], ...] = (
    (0.0, 0.333),
    (0.05, 0.333),
    (0.1, 0.379),
    (0.15, 0.379),
    (0.2, 0.493),
    (0.25, 0.493),
    (0.3, 0.493),
    (0.35, 0.493),
    (0.4, 0.493),
    (0.45, 0.493),
    (0.5, 0.493),
    (0.55, 0.493),
    (0.6, 0.51),
    (0.65, 0.671),
    (0.7, 0.831),
    (0.75, 0.99),
    (0.8, 0.99),
    (0.85, 0.99),
    (0.9, 0.99),
    (0.95, 0.99),
    (1.0, 0.99),
)
"""GL account: (raw score, probability right) points of a monotone map, linear in
between; measured on the replay by `benchmarks/gl_coding.py --fit` (isotonic regression
read at raw 0, 0.05, …, 1, clipped to [0.01, 0.99]: a memory is never sure)."""
CENTRE_CALIBRATION = CALIBRATION
"""Cost centres use the account map: the replay's cost centre truth (one per buyer) is
too easy to fit one on; there the account map under-states the cost centre confidence."""

_NON_WORD = re.compile(r"[^\w]+")
_NUMBER_UNIT = re.compile(r"\b(\d+) ([^\W\d]{1,3})\b")


class CodingValueError(PaperclerkError):
    """A coding to confirm is invalid: an unknown line, an empty or too long account."""

    code = "invalid_coding"
    exit_code = 2
    http_status = 422


class NotCodableError(PaperclerkError):
    """The document has no result yet (queued, processing or failed): nothing to code."""

    code = "not_processed"
    exit_code = 2
    http_status = 409


class NotAnInvoiceError(PaperclerkError):
    """The document is of another type: only invoice lines are coded."""

    code = "not_an_invoice"
    exit_code = 2
    http_status = 422


def normalise_text(text: str | None) -> str:
    """Return line or party text as compared: NFKC, case-folded, words by single spaces.

    A number and a short unit after it are joined (`80 g` → `80g`, `1 kg` → `1kg`), so
    the same item written two ways is the same text.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = " ".join(_NON_WORD.sub(" ", folded).replace("_", " ").split())
    return _NUMBER_UNIT.sub(r"\1\2", words)


def supplier_keys(match: SupplierMatch | None, party: InvoiceParty) -> list[str]:
    """Return every key an invoice's supplier is known by in the history, best first.

    The matched supplier's id, then the normalised VAT id, then the normalised name: the
    first is the key a confirmed line is stored with; a history line stored under any of
    them (say before the supplier master data was imported) counts as the same supplier.
    """
    keys = [f"supplier:{match.supplier_id}"] if match is not None else []
    if party.tax_id:
        keys.append(f"vat:{party.tax_id}")
    name = normalise_text(party.name)
    if name:
        keys.append(f"name:{name[:280]}")
    return keys


@dataclass(frozen=True)
class CodedLine:
    """One confirmed line coding as the model reads it."""

    supplier_key: str
    text: str
    gl_account: str
    cost_centre: str | None


class Candidate(BaseModel):
    """A runner-up value with its confidence."""

    value: str
    confidence: float = Field(ge=0.0, le=1.0)


class Suggestion(BaseModel):
    """A suggested value (GL account or cost centre), its confidence and the runners-up."""

    value: str
    confidence: float = Field(ge=0.0, le=1.0)
    alternatives: list[Candidate] = Field(default_factory=list)


class Evidence(BaseModel):
    """Why: how many similar confirmed lines voted, the closest one, and whose they were."""

    similar_lines: int
    best_match: str
    best_similarity: float = Field(ge=0.0, le=1.0)
    supplier_specific: bool = Field(description="Whether the supplier's own lines voted.")


class LineSuggestion(BaseModel):
    """The suggested coding of one invoice line."""

    gl_account: Suggestion
    cost_centre: Suggestion | None
    evidence: Evidence


def calibrated(raw: float, table: Sequence[tuple[float, float]] = CALIBRATION) -> float:
    """Return the probability that a suggestion with this raw score is right.

    `table` is `CALIBRATION` for GL accounts, `CENTRE_CALIBRATION` for cost centres.
    """
    xs, ys = zip(*table, strict=True)
    return round(float(np.interp(raw, xs, ys)), 4)


def _similarities(text: str, texts: list[str]) -> np.ndarray:
    """Return the similarity (0..1) of `text` to each of `texts`."""
    if not texts:
        return np.zeros(0)
    both = process.cdist([text], texts, scorer=fuzz.token_set_ratio, dtype=np.float32)[0]
    sort = process.cdist([text], texts, scorer=fuzz.token_sort_ratio, dtype=np.float32)[0]
    return np.asarray((both + sort) / 200.0)


def _vote(voters: list[tuple[CodedLine, float, bool]], value_of: str) -> list[tuple[str, float]]:
    """Return (value, raw score) per value the voters name, best first.

    `voters` are (line, similarity, same supplier); `value_of` names the attribute voted
    on. Raw score = vote share × (best similarity of the value's voters)² × 0.5 when
    only other suppliers' lines name it × support 1 − 0.5 / (n + 1), n its voters.
    """
    votes: dict[str, float] = defaultdict(float)
    best: dict[str, float] = defaultdict(float)
    own: dict[str, bool] = defaultdict(bool)
    count: dict[str, int] = defaultdict(int)
    for line, sim, same in voters:
        value = getattr(line, value_of)
        if not value:
            continue
        votes[value] += sim**SHARPNESS * (1.0 if same else OTHER_SUPPLIER_WEIGHT)
        best[value] = max(best[value], sim)
        own[value] = own[value] or same
        count[value] += 1
    total = sum(votes.values())
    if total <= 0:
        return []
    scored = [
        (
            v,
            votes[v] / total
            * best[v] ** 2
            * (1.0 if own[v] else 0.5)
            * (1.0 - 0.5 / (count[v] + 1.0)),
        )
        for v in votes
    ]  # fmt: skip
    return sorted(scored, key=lambda s: (-s[1], s[0]))


def _suggestion(
    scored: list[tuple[str, float]], table: Sequence[tuple[float, float]]
) -> Suggestion | None:
    if not scored:
        return None
    (value, raw), rest = scored[0], scored[1 : 1 + MAX_ALTERNATIVES]
    return Suggestion(
        value=value,
        confidence=calibrated(raw, table),
        alternatives=[Candidate(value=v, confidence=calibrated(r, table)) for v, r in rest],
    )


@dataclass(frozen=True)
class Ranking:
    """The raw vote of one line: (value, raw score) best first, and who voted how closely."""

    accounts: list[tuple[str, float]]
    centres: list[tuple[str, float]]
    voters: list[tuple[CodedLine, float, bool]]
    """(confirmed line, similarity, same supplier) of every line that voted."""


def rank_line(
    history: Sequence[CodedLine], keys: Collection[str], text: str | None
) -> Ranking | None:
    """Return the raw vote of the confirmed lines similar to a line (None: none similar).

    `keys` are the supplier's keys (`supplier_keys`); `text` the line text as read. The
    raw scores are what `CALIBRATION` maps to confidences (the replay fits it on them).
    """
    query = normalise_text(text)
    if not query or not history:
        return None
    sims = _similarities(query, [h.text for h in history])
    voters = [
        (h, min(float(s), 1.0), h.supplier_key in keys)
        for h, s in zip(history, sims, strict=True)
        if s >= MIN_SIMILARITY
    ]
    exact = [v for v in voters if v[2] and v[1] >= EXACT]
    voters = exact or voters
    counted = voters
    if not voters:  # a new item: the supplier's usual accounts, each line one equal vote
        voters = [
            (h, min(float(s), 1.0), True)
            for h, s in zip(history, sims, strict=True)
            if h.supplier_key in keys
        ]
        counted = [(h, PRIOR_SIMILARITY, True) for h, _, _ in voters]
    accounts = _vote(counted, "gl_account")
    if not accounts:
        return None
    return Ranking(accounts, _vote(counted, "cost_centre"), voters)


def suggest_line(
    history: Sequence[CodedLine], keys: Collection[str], text: str | None
) -> LineSuggestion | None:
    """Suggest the coding of one line from the confirmed history (None: nothing similar).

    `keys` are the supplier's keys (`supplier_keys`); `text` the line text as read.
    """
    ranking = rank_line(history, keys, text)
    account = _suggestion(ranking.accounts, CALIBRATION) if ranking is not None else None
    if ranking is None or account is None:
        return None
    best_line, best_sim, _ = max(ranking.voters, key=lambda v: (v[1], v[2]))
    return LineSuggestion(
        gl_account=account,
        cost_centre=_suggestion(ranking.centres, CENTRE_CALIBRATION),
        evidence=Evidence(
            similar_lines=len(ranking.voters),
            best_match=best_line.text,
            best_similarity=round(best_sim, 4),
            supplier_specific=any(same for _, _, same in ranking.voters),
        ),
    )


def line_text(doc: Document, index: int) -> str:
    """Return the text a line is coded by: its description, else its product code."""
    item = doc.line_items[index]
    for name in ("description", "product_code"):
        value = item.value(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


# --- the history in the app database ---
