"""Token log-odds learned from labelled lines: how much a word says 'this is an address'."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Split text into upper-case word tokens; numbers become their shape (`#5` = 5 digits)."""
    out: list[str] = []
    for tok in _TOKEN.findall(text.upper()):
        out.append(f"#{len(tok)}" if tok.isdigit() else tok)
    return out


class Lexicon:
    """Smoothed log-odds of tokens inside a field's text against other text of the same pages.

    Learned from data rather than written down, so the words that mark an address in
    Malaysia (JALAN, TAMAN) and in Germany (STRASSE, PLZ) both come from examples.
    """

    def __init__(self, weights: dict[str, float] | None = None, prior: float = 0.0) -> None:
        self.weights = weights or {}
        self.prior = prior
        self._vocab = [t for t in self.weights if len(t) >= 4 and not t.startswith("#")]
        self._seen: dict[str, float] = {}

    def weight(self, token: str) -> float:
        """Return a token's weight.

        An unknown word one OCR error away from a known one (TOTAK for TOTAL) takes that
        word's weight.
        """
        known = self.weights.get(token)
        if known is not None:
            return known
        cached = self._seen.get(token)
        if cached is not None:
            return cached
        weight = self.prior
        if len(token) >= 4 and not token.startswith("#"):
            match = process.extractOne(
                token, self._vocab, scorer=Levenshtein.distance, score_cutoff=1
            )
            if match is not None:
                weight = self.weights[match[0]]
        self._seen[token] = weight
        return weight

    @classmethod
    def learn(
        cls, inside: Iterable[str], outside: Iterable[str], min_count: int = 2, top: int = 3000
    ) -> Lexicon:
        """Learn token weights from texts inside the field and texts outside it."""
        pos = Counter(t for text in inside for t in tokens(text))
        neg = Counter(t for text in outside for t in tokens(text))
        n_pos, n_neg = sum(pos.values()) + 1, sum(neg.values()) + 1
        vocab = [t for t in set(pos) | set(neg) if pos[t] + neg[t] >= min_count]
        scored = {
            t: math.log((pos[t] + 0.5) / n_pos) - math.log((neg[t] + 0.5) / n_neg) for t in vocab
        }
        kept = sorted(scored, key=lambda t: (-abs(scored[t]), t))[:top]
        prior = math.log(0.5 / n_pos) - math.log(0.5 / n_neg)
        return cls({t: round(scored[t], 4) for t in sorted(kept)}, round(prior, 4))

    def scores(self, text: str) -> tuple[float, float, float]:
        """Return the mean, min and max token weight of a text (0s for a text with no tokens)."""
        ws = [self.weight(t) for t in tokens(text)]
        if not ws:
            return 0.0, 0.0, 0.0
        return sum(ws) / len(ws), min(ws), max(ws)

    def to_json(self) -> dict[str, object]:
        """Return the lexicon as plain JSON."""
        return {"weights": self.weights, "prior": self.prior}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Lexicon:
        """Rebuild a lexicon written by `to_json`."""
        weights = data.get("weights", {})
        prior = data.get("prior", 0.0)
        assert isinstance(weights, dict) and isinstance(prior, int | float)
        return cls({str(k): float(v) for k, v in weights.items()}, float(prior))
