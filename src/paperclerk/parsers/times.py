"""Times of day in OCR text: ``08:30:00``, ``8:30 PM``, ``20:15``, ``10.30am``, ``14h30``.

A dot separator (``10.30``) is only a time when am/pm follows, since otherwise it is far more
often an amount.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from paperclerk.parsers.dates import search_all


@dataclass(frozen=True)
class TimeMatch:
    """One time of day found in a line: its value, the text it came from and where."""

    value: dt.time
    raw: str
    start: int
    end: int


_AMPM = r"(?P<ampm>[ap])\.?\s?m\b\.?"
_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![\d:.,])(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?![\d:])"
               rf"(?:\s?{_AMPM})?", re.IGNORECASE),
    re.compile(rf"(?<![\d:.,])(?P<h>\d{{1,2}})[.](?P<m>\d{{2}})\s?{_AMPM}", re.IGNORECASE),
    re.compile(rf"(?<![\d:.,])(?P<h>\d{{1,2}})\s?{_AMPM}", re.IGNORECASE),
    re.compile(r"(?<![\d:.,])(?P<h>\d{1,2})h(?P<m>\d{2})(?!\d)", re.IGNORECASE),
)  # fmt: skip


def _value(m: re.Match[str]) -> dt.time | None:
    groups = m.groupdict()
    hour = int(groups["h"])
    minute = int(groups.get("m") or 0)
    second = int(groups.get("s") or 0)
    ampm = (groups.get("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute, second)


def find_times(text: str) -> list[TimeMatch]:
    """Return every valid time of day in a line of text, in order, without overlaps."""
    found: list[TimeMatch] = []
    for pattern in _PATTERNS:
        for m in search_all(pattern, text):
            value = _value(m)
            if value is not None:
                raw = m.group(0).rstrip()
                found.append(TimeMatch(value, raw, m.start(), m.start() + len(raw)))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[TimeMatch] = []
    for t in found:
        if out and t.start < out[-1].end:
            continue
        out.append(t)
    return out
