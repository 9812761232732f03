"""Where a remembered address and the address read on the page part ways.

The counterparty memory replaces a misread address with the spelling people confirmed. Two
things a spelling cannot repair are kept from the page instead:
- **another value:** where the remembered words and the words read differ by more than
  misread letters (`1181-TMN SRI SINAR` against `1605-TMN SRI BINTANG`), they name another
  place, and the page is right about which one it prints;
- **a branch line:** a chain prints its head office's address and then the branch's own line.
  When the confirmed addresses of a counterparty end in different words, its branches vary,
  and words the page prints before or after the remembered address are that branch's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from rapidfuzz import fuzz

MISREAD_SCORE = 50.0
"""Character score under which two differing runs of words are another value, not a misreading."""
_TOKEN = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(text))


def _words(tokens: list[re.Match[str]]) -> list[str]:
    return [t.group().upper() for t in tokens]


def branched(variants: Iterable[str]) -> bool:
    """Whether a counterparty's confirmed addresses end in different words (a chain's branches)."""
    last = {tokens[-1].group().upper() for v in variants if (tokens := _tokens(v))}
    return len(last) > 1


def merge_read(remembered: str, read: str | None, keep_ends: bool) -> str | None:
    """Return the address to fill in from the remembered spelling and what was read.

    The remembered spelling stands for the words the two share, misread letters included,
    and for the whole address when they share less than half its words (what was read is
    another line). None when they share most words but differ in a run that is another
    value: what was read stays.
    With `keep_ends` (see `branched`), words read before or after the remembered address are
    kept around it.
    """
    if not read:
        return remembered
    mine, theirs = _tokens(remembered), _tokens(read)
    ours, seen = _words(mine), _words(theirs)
    opcodes = SequenceMatcher(None, ours, seen, autojunk=False).get_opcodes()
    shared = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")
    if 2 * shared < len(ours):
        return remembered  # what was read is some other line: the memory's address stands
    if any(
        fuzz.ratio(" ".join(ours[i1:i2]), " ".join(seen[j1:j2])) < MISREAD_SCORE
        for tag, i1, i2, j1, j2 in opcodes
        if tag == "replace"
    ):
        return None
    if not keep_ends or not opcodes:
        return remembered
    head, tail = "", ""
    tag, _, _, j1, j2 = opcodes[0]
    if tag == "insert" and len(opcodes) > 1:
        head = read[: theirs[j2].start()].strip()
    tag, _, _, j1, j2 = opcodes[-1]
    if tag == "insert" and len(opcodes) > 1:
        tail = read[theirs[j1].start() :].strip()
    return " ".join(part for part in (head, remembered, tail) if part)
