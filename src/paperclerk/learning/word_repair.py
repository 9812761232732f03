"""Learned spelling repair: a word OCR misread by a look-alike letter becomes the confirmed word.

Small print makes OCR read `MALAYSIA` as `MALAYSLA`, `WORLD` as `WORID` or `IDEA` as `1DEA`.
The words people confirmed in names and addresses form a vocabulary; a word read that is not
in it, but is one or two look-alike letters away from exactly one frequent confirmed word, is
replaced by that word. Which letters look alike is learned from the same data (how OCR'd
words differ from their confirmed spelling) on top of a small table of shapes every OCR
confuses. A long word (`MALUYSIA`, `SELAUGOR`) may also differ by any one letter from a word
confirmed more than once, provided it holds three letters in a row that no confirmed word
holds: two real words of six letters or more one letter apart are rare (short ones such as
`ALAF` and `ALAM` are not), and a spelling made only of familiar letter runs (`PINANG` beside
`PENANG`) is more likely a real word than a misreading. Numbers are never rewritten: a
changed postcode or house number would be a new, wrong fact rather than a repaired spelling.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz.distance import Hamming

_WORD = re.compile(r"[A-Z0-9]+")
_ANY_CASE_WORD = re.compile(r"[A-Za-z0-9]+")
_NUMBER_GLUED_TO_WORD = re.compile(r"\b([0-9]+)([A-Za-z]{3,})\b")
# Shapes OCR confuses in any font: the seed of the confusion table, grown from data.
_LOOK_ALIKE = ("IL1|", "O0DQC", "S5", "B8", "Z2", "G6", "EF", "MN", "UV", "HN")
MIN_LENGTH = 4
MIN_COUNT = 1
LONG_WORD = 6
"""Length from which any one letter may be repaired, not only a look-alike."""
LONG_WORD_MIN_COUNT = 2
"""Times a word must have been confirmed to be the repair of a long word by any letter."""


def _seed_pairs() -> set[tuple[str, str]]:
    return {(a, b) for group in _LOOK_ALIKE for a in group for b in group if a != b}


def _same_case(read: str, word: str) -> str:
    """Give a repaired word (same length, upper case) the letter case of what was read."""
    if word == read.upper():
        return read
    lower = any(ch.islower() for ch in read)
    return "".join(
        w.lower() if r.islower() or (lower and not r.isalpha()) else w
        for r, w in zip(read, word, strict=True)
    )


def _trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _letters(word: str) -> int:
    return sum(ch.isalpha() for ch in word)


class WordRepair:
    """Vocabulary of confirmed words and the letter confusions allowed when repairing."""

    def __init__(
        self, vocabulary: dict[str, int] | None = None, confusions: Iterable[str] = ()
    ) -> None:
        self.vocabulary = vocabulary or {}
        # Confusions are stored as two-letter strings: what OCR read, then the confirmed letter.
        self.confusions = sorted(set(confusions))
        self._pairs = _seed_pairs() | {(c[0], c[1]) for c in self.confusions}
        self._by_length: dict[int, list[str]] = {}
        for word, count in self.vocabulary.items():
            if count >= MIN_COUNT:
                self._by_length.setdefault(len(word), []).append(word)
        self._cache: dict[str, str] = {}
        self._trigrams_seen: set[str] = set().union(*map(_trigrams, self.vocabulary))

    @classmethod
    def learn(cls, confirmed: Iterable[str], pairs: Iterable[tuple[str, str]] = ()) -> WordRepair:
        """Learn the vocabulary from confirmed texts and the confusions from (read, confirmed).

        A confusion is kept when OCR read one letter for another inside words that otherwise
        match letter for letter (same length, at most two differences).
        """
        vocabulary = Counter(
            w for text in confirmed for w in _WORD.findall(text.upper()) if _letters(w) >= 2
        )
        confusions: Counter[str] = Counter()
        for read, truth in pairs:
            got, want = _WORD.findall(read.upper()), _WORD.findall(truth.upper())
            if len(got) != len(want):
                continue
            for a, b in zip(got, want, strict=True):
                if a == b or len(a) != len(b) or Hamming.distance(a, b) > 2:
                    continue
                confusions.update(x + y for x, y in zip(a, b, strict=True) if x != y)
        kept = [c for c, n in confusions.items() if n >= 2 and not c.isdigit()]
        return cls({w: n for w, n in sorted(vocabulary.items()) if n >= MIN_COUNT}, kept)

    def _allowed(self, read: str, word: str) -> bool:
        diffs = [(a, b) for a, b in zip(read, word, strict=True) if a != b]
        if not diffs or len(diffs) > (2 if len(read) >= 7 else 1):
            return False
        return all((a, b) in self._pairs and not (a.isdigit() and b.isdigit()) for a, b in diffs)

    def _unfamiliar(self, read: str) -> bool:
        """Tell whether a long word holds a run of three letters that no confirmed word holds."""
        return len(read) >= LONG_WORD and not _trigrams(read) <= self._trigrams_seen

    def _any_letter(self, read: str, word: str) -> bool:
        """Tell whether a word is one letter from a word confirmed more than once."""
        if self.vocabulary[word] < LONG_WORD_MIN_COUNT:
            return False
        diffs = [(a, b) for a, b in zip(read, word, strict=True) if a != b]
        return len(diffs) == 1 and diffs[0][0].isalpha() and diffs[0][1].isalpha()

    def repair_word(self, read: str) -> str:
        """Return the confirmed word a misread word stands for, or the word unchanged."""
        if len(read) < MIN_LENGTH or read in self.vocabulary or _letters(read) < len(read) - 1:
            return read
        cached = self._cache.get(read)
        if cached is not None:
            return cached
        same_length = self._by_length.get(len(read), [])
        found = [w for w in same_length if self._allowed(read, w)]
        if not found and self._unfamiliar(read):
            found = [w for w in same_length if self._any_letter(read, w)]
        best = read
        if found:
            found.sort(key=lambda w: (-self.vocabulary[w], w))
            # Two confirmed words equally near would be a guess, unless one is far more common.
            if len(found) == 1 or self.vocabulary[found[0]] >= 3 * self.vocabulary[found[1]]:
                best = found[0]
        self._cache[read] = best
        return best

    def apply(self, text: str) -> str:
        """Repair every misread word of a text, keeping its case; separators stay as they are."""
        if not self.vocabulary:
            return text
        text = _NUMBER_GLUED_TO_WORD.sub(self._unglue, text)
        return _ANY_CASE_WORD.sub(
            lambda m: _same_case(m.group(0), self.repair_word(m.group(0).upper())), text
        )

    def _unglue(self, match: re.Match[str]) -> str:
        """Put the space OCR lost back between a house number and a confirmed word (14JALAN)."""
        glued, word = match.group(0).upper(), match.group(2).upper()
        if glued in self.vocabulary or self.vocabulary.get(word, 0) < MIN_COUNT + 1:
            return match.group(0)
        return f"{match.group(1)} {match.group(2)}"

    def to_json(self) -> dict[str, object]:
        """Return the vocabulary and the learned confusions as plain JSON."""
        return {"vocabulary": self.vocabulary, "confusions": self.confusions}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> WordRepair:
        """Rebuild a repair written by `to_json`."""
        vocabulary = data.get("vocabulary", {})
        confusions = data.get("confusions", [])
        assert isinstance(vocabulary, dict) and isinstance(confusions, list)
        return cls({str(k): int(v) for k, v in vocabulary.items()}, [str(c) for c in confusions])
