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

Two more sources of words: a word no confirmed text holds is repaired into a common word of
the language (`general_words`), and a word the words beside it give away (`GROUND FLEER`,
where `GROUND FLOOR` was confirmed again and again) into the confirmed word of that pair.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import pairwise

from rapidfuzz.distance import Hamming

from paperclerk.learning.general_words import (
    COMMON_FREQUENCY,
    REPAIR_MIN_FREQUENCY,
    GeneralWords,
    english_words,
)

_WORD = re.compile(r"[A-Z0-9]+")
_ANY_CASE_WORD = re.compile(r"[A-Za-z0-9]+")
_NUMBER_GLUED_TO_WORD = re.compile(r"\b([0-9]+)([A-Za-z]{3,})\b")
# Shapes OCR confuses in any font: the seed of the confusion table, grown from data.
_LOOK_ALIKE = ("IL1|", "O0DQC", "S5", "B8", "Z2", "G6", "EF", "MN", "UV", "HN")
MIN_LENGTH = 4
MIN_COUNT = 1
LONG_WORD = 6
"""Length from which any one letter may be repaired, not only a look-alike."""
CONTEXT_SUPPORT = 3
"""Times two words must have been confirmed side by side for one to repair the other."""
CONTEXT_SHARE = 0.5
"""Share of a neighbour's confirmations that must hold the pair for it to repair a word."""
GENERAL_LONG_WORD = 7
"""Length from which a word of the general language may repair a misreading of any frequency."""
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


def _one_letter_variants(read: str) -> set[str]:
    """Return the spellings that differ from a word by one letter put for another letter."""
    return {
        read[:i] + b + read[i + 1 :]
        for i, ch in enumerate(read)
        if ch.isalpha()
        for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        if b != ch
    }


def _likeliest(found: Iterable[str], counts: Mapping[str, int]) -> str | None:
    """Return the most frequent of the words found, unless another is nearly as frequent.

    Two words equally near would be a guess, unless one is far more common.
    """
    ranked = sorted(set(found), key=lambda w: (-counts[w], w))
    if not ranked:
        return None
    if len(ranked) == 1 or counts[ranked[0]] >= 3 * counts[ranked[1]]:
        return ranked[0]
    return None


def _letters(word: str) -> int:
    return sum(ch.isalpha() for ch in word)


class WordRepair:
    """Vocabulary of confirmed words and the letter confusions allowed when repairing."""

    def __init__(
        self,
        vocabulary: dict[str, int] | None = None,
        confusions: Iterable[str] = (),
        general: GeneralWords | None = None,
        word_pairs: dict[str, int] | None = None,
    ) -> None:
        self.vocabulary = vocabulary or {}
        # Two words confirmed side by side ("GROUND FLOOR"), with how often.
        self.word_pairs = word_pairs or {}
        # Confusions are stored as two-letter strings: what OCR read, then the confirmed letter.
        self.confusions = sorted(set(confusions))
        self.general = general
        look_alike = _seed_pairs() | {(c[0], c[1]) for c in self.confusions}
        # What each letter may have been misread for; a digit is never read as another digit.
        self._look_alikes: dict[str, list[str]] = {}
        for a, b in sorted(look_alike):
            if not (a.isdigit() and b.isdigit()):
                self._look_alikes.setdefault(a, []).append(b)
        self._by_length: dict[int, list[str]] = {}
        for word, count in self.vocabulary.items():
            if count >= MIN_COUNT:
                self._by_length.setdefault(len(word), []).append(word)
        self._cache: dict[str, str] = {}
        self._trigrams_seen: set[str] = set().union(*map(_trigrams, self.vocabulary))

    @classmethod
    def learn(
        cls,
        confirmed: Iterable[str],
        pairs: Iterable[tuple[str, str]] = (),
        general: GeneralWords | None = None,
    ) -> WordRepair:
        """Learn the vocabulary from confirmed texts and the confusions from (read, confirmed).

        A confusion is kept when OCR read one letter for another inside words that otherwise
        match letter for letter (same length, at most two differences). `general` is the
        language's own word list, the fallback for words no confirmed text holds.
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
        kept_words = {w: n for w, n in sorted(vocabulary.items()) if n >= MIN_COUNT}
        side_by_side: Counter[str] = Counter()
        for text in confirmed:
            words = _WORD.findall(text.upper())
            side_by_side.update(f"{a} {b}" for a, b in pairwise(words))
        kept_pairs = {p: n for p, n in sorted(side_by_side.items()) if n >= CONTEXT_SUPPORT}
        return cls(kept_words, kept, general, kept_pairs)

    def _unfamiliar(self, read: str) -> bool:
        """Tell whether a long word holds a run of three letters that no confirmed word holds."""
        return len(read) >= LONG_WORD and not _trigrams(read) <= self._trigrams_seen

    def repair_word(self, read: str) -> str:
        """Return the confirmed word a misread word stands for, or the word unchanged."""
        if len(read) < MIN_LENGTH or read in self.vocabulary or _letters(read) < len(read) - 1:
            return read
        cached = self._cache.get(read)
        if cached is not None:
            return cached
        found = [w for w in self._look_alike_variants(read) if self._confirmed(w, MIN_COUNT)]
        if not found and self._unfamiliar(read):
            found = [
                w for w in _one_letter_variants(read) if self._confirmed(w, LONG_WORD_MIN_COUNT)
            ]
        best = _likeliest(found, self.vocabulary) or self._general_repair(read) or read
        self._cache[read] = best
        return best

    def _confirmed(self, word: str, times: int) -> bool:
        """Tell whether a word was confirmed at least `times` times."""
        return self.vocabulary.get(word, 0) >= times

    def _general_repair(self, read: str) -> str | None:
        """Return the common word of the language a word no confirmed text holds stands for.

        Only a word the language does not know is repaired: by the look-alike letters, into
        one of the language's most common words where the word is short and read with letters
        only (a digit among letters is itself a sign of misreading); or by any one letter where
        the word is long and holds a run of three letters that neither the confirmed words nor
        the common words of the language hold.
        """
        general = self.general
        if general is None or read in general:
            return None
        floor = REPAIR_MIN_FREQUENCY
        if len(read) < GENERAL_LONG_WORD and _letters(read) == len(read):
            floor = COMMON_FREQUENCY
        found = [w for w in self._look_alike_variants(read) if general.frequency.get(w, 0) >= floor]
        unseen = _trigrams(read) - self._trigrams_seen - general.trigrams
        if not found and len(read) >= GENERAL_LONG_WORD and unseen:
            found = [w for w in _one_letter_variants(read) if w in general.frequency]
        return _likeliest(found, general.frequency)

    def _look_alike_variants(self, read: str) -> set[str]:
        """Return the spellings one look-alike letter away (two for words of seven or more)."""
        variants: set[str] = set()
        for i, ch in enumerate(read):
            for b in self._look_alikes.get(ch, ()):
                variants.add(read[:i] + b + read[i + 1 :])
        if len(read) >= 7:
            for word in list(variants):
                for i, ch in enumerate(word):
                    if ch != read[i]:
                        continue
                    for b in self._look_alikes.get(ch, ()):
                        variants.add(word[:i] + b + word[i + 1 :])
        return variants

    def apply(self, text: str) -> str:
        """Repair every misread word of a text, keeping its case; separators stay as they are."""
        if not self.vocabulary:
            return text
        text = _NUMBER_GLUED_TO_WORD.sub(self._unglue, text)
        text = _ANY_CASE_WORD.sub(
            lambda m: _same_case(m.group(0), self.repair_word(m.group(0).upper())), text
        )
        return self._repair_in_context(text) if self.word_pairs else text

    def _repair_in_context(self, text: str) -> str:
        """Repair words that the words beside them give away (`GROUND FLEER` → `GROUND FLOOR`).

        A word no confirmed text holds, and no common word of the language, becomes the
        confirmed word of its length one letter away (two from five letters) that was
        confirmed beside the same neighbour at least `CONTEXT_SUPPORT` times, and in at
        least `CONTEXT_SHARE` of the texts that hold the neighbour, when one such word stands
        out (three times the support of the next).
        """
        found = list(_ANY_CASE_WORD.finditer(text))
        words = [m.group(0).upper() for m in found]
        pieces, last = [], 0
        for i, match in enumerate(found):
            before = words[i - 1] if i else None
            after = words[i + 1] if i + 1 < len(words) else None
            repaired = self._context_word(words[i], before, after)
            if repaired != words[i]:
                pieces += [text[last : match.start()], _same_case(match.group(0), repaired)]
                last = match.end()
        return "".join(pieces) + text[last:]

    def _share(self, neighbour: str | None, pair: str) -> int:
        """Return how often a pair was confirmed, if it is what the neighbour mostly comes in.

        `GROUND` is followed by `FLOOR` in most confirmed texts that hold it; `JALAN` is
        followed by hundreds of street names, so `JALAN KAPAR` confirmed three times says
        nothing about `JALAN MAWAR`.
        """
        together = self.word_pairs.get(pair, 0)
        if neighbour is None or together < CONTEXT_SUPPORT:
            return 0
        return together if together >= CONTEXT_SHARE * self.vocabulary.get(neighbour, 0) else 0

    def _context_word(self, read: str, before: str | None, after: str | None) -> str:
        """Return the confirmed word its neighbours show a misread word to be, or the word."""
        if len(read) < MIN_LENGTH or not read.isalpha() or read in self.vocabulary:
            return read
        if self.general is not None and read in self.general.frequency:
            return read
        most = 1 if len(read) < 5 else 2
        support: dict[str, int] = {}
        for word in self._by_length.get(len(read), []):
            if Hamming.distance(read, word) > most:
                continue
            seen = max(
                self._share(before, f"{before} {word}"), self._share(after, f"{word} {after}")
            )
            if seen:
                support[word] = seen
        return _likeliest(support, support) or read

    def _unglue(self, match: re.Match[str]) -> str:
        """Put the space OCR lost back between a house number and a confirmed word (14JALAN)."""
        glued, word = match.group(0).upper(), match.group(2).upper()
        if glued in self.vocabulary or self.vocabulary.get(word, 0) < MIN_COUNT + 1:
            return match.group(0)
        return f"{match.group(1)} {match.group(2)}"

    def to_json(self) -> dict[str, object]:
        """Return the vocabulary, the learned confusions and the general word list's name."""
        general = "en" if self.general is not None else None
        return {
            "vocabulary": self.vocabulary,
            "confusions": self.confusions,
            "general": general,
            "pairs": self.word_pairs,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> WordRepair:
        """Rebuild a repair written by `to_json`.

        A repair saved before the general word list existed uses the English one, as all do.
        """
        vocabulary = data.get("vocabulary", {})
        confusions = data.get("confusions", [])
        pairs = data.get("pairs", {})
        assert isinstance(vocabulary, dict) and isinstance(confusions, list)
        assert isinstance(pairs, dict)
        general = english_words() if data.get("general", "en") == "en" else None
        return cls(
            {str(k): int(v) for k, v in vocabulary.items()},
            [str(c) for c in confusions],
            general,
            {str(k): int(v) for k, v in pairs.items()},
        )
