"""Learned punctuation and spacing repair: how OCR's text differs from what people confirm.

OCR of small print confuses ',' with '.', drops the space after a comma or glues a house
number to the street. Which of these to undo is learned by aligning what OCR read with the
confirmed text of the same field, per character context, and kept only where the evidence
is clear; letters are never changed.

The confirmed texts alone also say how people write a field: in Malaysian addresses a word
of three letters or more, or a number, followed by a space and the next word, is followed
by a comma 97 times in 100 ("JALAN AIR PANAS, SETAPAK"), while short words take a full
stop as abbreviations ("NO. 5", "P. T."). Where that preference is overwhelming, a full
stop OCR read after such a word is taken for a comma, unless the confirmed texts write that
very word with a full stop.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from difflib import SequenceMatcher

from rapidfuzz import fuzz

SAME = "="
_SEPARATORS = set(" ,.;:-")
_WORD_THEN_STOP = re.compile(r"([A-Za-z0-9]+)([.,]) (?=[A-Za-z0-9])")
COMMA_SHARE = 0.9
"""Share of commas (against full stops) a kind of word needs in confirmed text to be repaired."""


def _word_kind(word: str) -> str:
    """Return a word's kind for the comma rule: number, code, or word of 1, 2 or 3+ letters.

    A code (`1A`, `33G`, `U13`) names a unit, a lot or a block: confirmed addresses follow it
    with a comma 77 times in 77, though as a short word it would count as an abbreviation.
    """
    if word.isdigit():
        return "D"
    if any(ch.isdigit() for ch in word):
        return "M"
    return f"L{min(len(word), 3)}"


def _cls(ch: str) -> str:
    if ch.isdigit():
        return "D"
    if ch.isalpha():
        return "L"
    return "S" if ch == " " else ch


def _before(text: str, i: int) -> str:
    """Class of what precedes position i; a word also says its length (1, 2, 3 or more).

    Short words end in a full stop as abbreviations (`NO.`, `P.`) while longer words and
    numbers are followed by a comma OCR misread as one, so the length tells the two apart.
    """
    if i == 0:
        return "^"
    if not text[i - 1].isalnum():
        return _cls(text[i - 1])
    start = i - 1
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    run = text[start:i]
    return "D" if run.isdigit() else f"L{min(len(run), 3)}"


def _key(text: str, i: int, context: int = 2) -> str:
    prev = (_cls(text[i - 1]) if i > 0 else "^") if context == 1 else _before(text, i)
    nxt = _cls(text[i + 1]) if i + 1 < len(text) else "$"
    nxt2 = _cls(text[i + 2]) if i + 2 < len(text) else "$"
    return f"{prev}|{_cls(text[i])}|{nxt}|{nxt2}"


def _alignment(read: str, truth: str) -> list[str]:
    """For each character read, what the confirmed text has in its place (see `SAME`)."""
    out = [SAME] * len(read)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, read, truth, autojunk=False).get_opcodes():
        if op == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                out[i1 + k] = truth[j1 + k]
        elif op == "replace" and i2 - i1 == 1:
            out[i1] = truth[j1:j2]
        elif op == "delete":
            for k in range(i1, i2):
                out[k] = ""
        elif op == "insert" and i1 > 0:
            added = truth[j1:j2]
            if set(added) <= _SEPARATORS:
                prev = out[i1 - 1]
                out[i1 - 1] = (read[i1 - 1] if prev == SAME else prev) + added
    return out


class TextRepair:
    """Context → replacement rules for separators, learned from (read, confirmed) pairs."""

    def __init__(
        self,
        rules: dict[str, str] | None = None,
        context: int = 2,
        comma_after: list[str] | None = None,
        stop_words: list[str] | None = None,
    ) -> None:
        self.rules = rules or {}
        # 1: models trained before contexts knew the length of the preceding word.
        self.context = context
        # Kinds of word (see `_word_kind`) after which a full stop before a word is a comma,
        # and the words people do write with a full stop there.
        self.comma_after = comma_after or []
        self.stop_words = set(stop_words or [])

    @property
    def rules(self) -> dict[str, str]:
        """Context → replacement (see `_key`)."""
        return self._rules

    @rules.setter
    def rules(self, rules: dict[str, str]) -> None:
        self._rules = rules
        # The classes of character some rule rewrites; the context of others is never looked up.
        # A key with a '|' of its own splits ambiguously: then every part may be the centre.
        self._centres: set[str] = set()
        for key in rules:
            parts = key.split("|")
            self._centres.update(parts[1:2] if len(parts) == 4 else parts)

    @staticmethod
    def learn_commas(confirmed: list[str]) -> tuple[list[str], list[str]]:
        """Learn after which kinds of word a full stop before the next word means a comma.

        Returns those kinds and the words that confirmed texts write with a full stop there
        at least as often as with a comma (abbreviations, and spellings people insist on).
        """
        by_kind: dict[str, Counter[str]] = defaultdict(Counter)
        by_word: dict[str, Counter[str]] = defaultdict(Counter)
        for text in confirmed:
            for m in _WORD_THEN_STOP.finditer(text.upper()):
                by_kind[_word_kind(m.group(1))][m.group(2)] += 1
                by_word[m.group(1)][m.group(2)] += 1
        kinds = sorted(
            k for k, c in by_kind.items() if c[","] >= 20 and c[","] >= COMMA_SHARE * c.total()
        )
        stops = sorted(w for w, c in by_word.items() if c["."] and c["."] >= c[","])
        return kinds, stops

    @classmethod
    def learn(
        cls, pairs: list[tuple[str, str]], min_count: int = 6, min_share: float = 0.65
    ) -> TextRepair:
        """Keep a rule where a context is seen `min_count` times and one outcome dominates."""
        seen: dict[str, Counter[str]] = defaultdict(Counter)
        for read, truth in pairs:
            if not read or fuzz.ratio(read, truth) < 85:
                continue
            for i, got in enumerate(_alignment(read, truth)):
                ch = read[i]
                if ch.isalnum():
                    # Letters are never rewritten; only separators added after them count.
                    tail = got[1:] if got.startswith(ch) else ""
                    outcome = SAME + tail if tail and set(tail) <= _SEPARATORS else SAME
                elif got in (SAME, ch):
                    outcome = SAME
                elif set(got) <= _SEPARATORS:
                    outcome = got
                else:
                    continue
                seen[_key(read, i)][outcome] += 1
        rules: dict[str, str] = {}
        for key, counts in sorted(seen.items()):
            best, n = counts.most_common(1)[0]
            total = sum(counts.values())
            if best != SAME and total >= min_count and n / total >= min_share:
                rules[key] = best
        return cls(rules)

    def _comma(self, m: re.Match[str]) -> str:
        word = m.group(1)
        if (
            m.group(2) == "."
            and _word_kind(word) in self.comma_after
            and word.upper() not in self.stop_words
        ):
            return f"{word}, "
        return m.group(0)

    def apply(self, text: str) -> str:
        """Rewrite the separators of a text where a learned rule says so."""
        if self.comma_after:
            text = _WORD_THEN_STOP.sub(self._comma, text)
        out: list[str] = []
        for i, ch in enumerate(text):
            if _cls(ch) not in self._centres:
                out.append(ch)
                continue
            rule = self.rules.get(_key(text, i, self.context))
            if rule is None:
                out.append(ch)
            elif rule.startswith(SAME):
                out.append(ch + rule[1:])
            else:
                out.append(rule)
        return " ".join("".join(out).split())

    def to_json(self) -> dict[str, object]:
        """Return the rules and the kind of context they are keyed by."""
        return {
            "rules": self.rules,
            "context": self.context,
            "comma_after": self.comma_after,
            "stop_words": sorted(self.stop_words),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> TextRepair:
        """Rebuild a repair from `to_json`, or from the bare rules older models stored."""
        if "rules" not in data:
            return cls({str(k): str(v) for k, v in data.items()}, context=1)
        rules, context = data["rules"], data.get("context", 2)
        comma_after, stop_words = data.get("comma_after", []), data.get("stop_words", [])
        assert isinstance(rules, dict) and isinstance(context, int)
        assert isinstance(comma_after, list) and isinstance(stop_words, list)
        return cls(
            {str(k): str(v) for k, v in rules.items()},
            context,
            [str(k) for k in comma_after],
            [str(w) for w in stop_words],
        )
