"""A second look at a line whose date OCR broke: read again, kept only if it mends the date.

A receipt's date is one line, and one misread character loses it: ``03/0:/2018`` (a 2
read as a colon), ``20/03/201`` (the last digit lost at the crop's edge). No parser can
know which digit is missing. Read again from the line's pixels with a margin, and once
more stretched sideways, the recogniser often reads the whole date.

A line is read again only when it holds such a broken date: the shape of a numeric date
(two separators, at least `MIN_DIGITS` digits, one misread place or a three-digit year)
while the line holds no date at all. A new reading is kept only when a date in it fills
the broken shape with every digit in its place (day, month and year compared in turn) and
the line changes no digit of the first reading: every difference replaces a character
that was not a digit or adds one, two at most. A line read as as many words keeps its
words' boxes; otherwise the new words share the line's box by their length.
"""

from __future__ import annotations

import re
from dataclasses import replace
from difflib import SequenceMatcher

from paperclerk.engines.base import LineEngine, OcrWord
from paperclerk.ingest.types import Image
from paperclerk.pages.second_look import line_crop, lines_of, spread_words, with_lines_replaced
from paperclerk.parsers import find_dates

MIN_DIGITS = 5
"""Digits a broken date's shape must hold (``03/0:/2018`` holds 7)."""
MAX_CHANGES = 2
"""Characters (spaces aside) a second reading may replace or add: the broken ones."""
STRETCHES = (1.0, 2.0)
"""Sideways stretches of the crop tried in turn; the first reading that mends the date wins."""
_PART = r"[\w:;,']"
_BROKEN = re.compile(
    rf"(?<![\w/.-])(?:{_PART}{{1,2}}[-/.]{_PART}{{1,2}}[-/.]{_PART}{{2,4}}"
    rf"|{_PART}{{4}}[-/.]{_PART}{{1,2}}[-/.]{_PART}{{1,2}})(?![\w/.-])"
)
_SEPARATOR = re.compile(r"[-/.]")


def broken_shapes(text: str) -> list[str]:
    """Return the broken dates of a line: date shapes no date can be read from.

    A shape is day, month and year (or year, month and day) between two separators, with
    at least `MIN_DIGITS` digits, and either one other character in a digit's place
    (``03/0:/2018``) or a three-digit year (``20/03/201``). A line that holds a date has
    none.
    """
    if find_dates(text):
        return []
    found = []
    for m in _BROKEN.finditer(text):
        parts = _SEPARATOR.split(m.group(0))
        shape = "".join(parts)
        digits = sum(c.isdigit() for c in shape)
        others = len(shape) - digits
        if digits >= MIN_DIGITS and (others == 1 or (others == 0 and len(parts[-1]) == 3)):
            found.append(m.group(0))
    return found


def broken_date(text: str) -> bool:
    """Whether a line holds a numeric date OCR broke (see `broken_shapes`)."""
    return bool(broken_shapes(text))


def fills(broken: str, date: str) -> bool:
    """Whether a date read again fills a broken shape's places without moving its digits.

    Day, month and year are compared in turn: every digit of the broken part stays where
    it was, and the new part may only be longer at its end (a year's lost last digit).
    """
    old, new = _SEPARATOR.split(broken), _SEPARATOR.split(date)
    if len(old) != 3 or len(new) != 3:
        return False
    return all(
        len(b) <= len(a) and all(not c.isdigit() or c == a[i] for i, c in enumerate(b))
        for b, a in zip(old, new, strict=True)
    )


def keeps_every_digit(before: str, after: str) -> bool:
    """Whether `after` changes no digit of `before` and at most `MAX_CHANGES` characters.

    Spaces aside, it may only replace characters that are not digits, or add some.
    """
    before, after = before.replace(" ", ""), after.replace(" ", "")
    changed = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op in ("replace", "delete") and any(c.isdigit() for c in before[i1:i2]):
            return False
        if op != "equal":
            changed += max(i2 - i1, j2 - j1)
    return changed <= MAX_CHANGES


def mended(before: str, after: str) -> bool:
    """Whether a second reading of a line mends one of its broken dates, digits in place."""
    if after == before or not keeps_every_digit(before, after):
        return False
    dates = [d.raw for d in find_dates(after)]
    return any(fills(shape, date) for shape in broken_shapes(before) for date in dates)


def date_look(words: list[OcrWord], image: Image, engine: LineEngine) -> list[OcrWord]:
    """Return the words with each line whose date OCR broke read again, where that mends it."""
    relaid: dict[int, list[OcrWord]] = {}
    for line in lines_of(words):
        text = " ".join(w.text for w in line)
        if not broken_date(text):
            continue
        crops = [c for s in STRETCHES if (c := line_crop(image, line, s)) is not None]
        for reading in engine.recognise_lines(crops):
            if mended(text, reading.text):
                tokens = reading.text.split()
                same = len(tokens) == len(line)
                relaid[line[0].line_key] = (
                    [replace(w, text=t) for w, t in zip(line, tokens, strict=True)]
                    if same
                    else spread_words(line, tokens)
                )
                break
    return with_lines_replaced(words, relaid) if relaid else words
