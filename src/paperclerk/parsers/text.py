"""Text comparison that ignores what does not change a name or an address."""

from __future__ import annotations

import unicodedata


def loose_text(text: str) -> str:
    """Return text reduced to its letters and digits, upper-cased (NFKC first).

    Two names or addresses with the same loose text differ only in case, spacing and
    punctuation (`SYARIKAT  PERNIAGAAN GIN KEE.` and `Syarikat Perniagaan Gin Kee`): the
    same for a back office, though not for the strict SROIE comparison.
    """
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def same_loose_text(a: str, b: str) -> bool:
    """Whether two texts are equal once case, spacing and punctuation are ignored."""
    return loose_text(a) == loose_text(b)
