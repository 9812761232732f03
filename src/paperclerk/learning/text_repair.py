"""Learned punctuation and spacing repair: how OCR's text differs from what people confirm.

OCR of small print confuses ',' with '.', drops the space after a comma or glues a house
number to the street. Which of these to undo is learned by aligning what OCR read with the
confirmed text of the same field, per character context, and kept only where the evidence
is clear; letters are never changed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from difflib import SequenceMatcher

from rapidfuzz import fuzz

SAME = "="
_SEPARATORS = set(" ,.;:-")


def _cls(ch: str) -> str:
    if ch.isdigit():
        return "D"
    if ch.isalpha():
        return "L"
    return "S" if ch == " " else ch


def _key(text: str, i: int) -> str:
    prev = _cls(text[i - 1]) if i > 0 else "^"
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

    def __init__(self, rules: dict[str, str] | None = None) -> None:
        self.rules = rules or {}

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

    def apply(self, text: str) -> str:
        """Rewrite the separators of a text where a learned rule says so."""
        out: list[str] = []
        for i, ch in enumerate(text):
            rule = self.rules.get(_key(text, i))
            if rule is None:
                out.append(ch)
            elif rule.startswith(SAME):
                out.append(ch + rule[1:])
            else:
                out.append(rule)
        return " ".join("".join(out).split())
