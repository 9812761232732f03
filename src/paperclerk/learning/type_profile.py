"""How a user type's documents are recognised: the words nearly all its examples print.

The built-in classifier knows the built-in types only. A type a user defines joins it with
a profile learnt from the type's training documents: the words printed on at least
`PROFILE_SHARE` of them (titles, headings, the issuer's own name and address), casefolded
and without accents. A document is of the type when it prints at least `MATCH_AT` of the
profile's words; a profile of fewer than `MIN_WORDS` words recognises nothing (the type is
then only taken when the caller names it).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from paperclerk.model import Page

PROFILE_SHARE = 0.8
"""A word belongs to a type's profile when at least this share of its examples print it."""
MATCH_AT = 0.8
"""A document is of the type when it prints at least this share of the profile's words."""
MIN_WORDS = 4
"""A profile of fewer words than this recognises no document."""
MAX_WORDS = 60
"""The profile keeps at most this many words, the most widely printed first."""
MIN_DOCUMENTS = 3
"""Fewest examples a profile is learnt from."""

_WORD = re.compile(r"[a-z]{3,}")


def page_words(pages: list[Page]) -> set[str]:
    """Return the distinct words of the pages: casefolded, accents dropped, letters only."""
    text = " ".join(w.text for p in pages for w in p.words).casefold()
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return set(_WORD.findall(plain))


@dataclass
class TypeProfile:
    """The words a type's documents print, and how many examples they were learnt from."""

    words: list[str] = field(default_factory=list)
    documents: int = 0

    @property
    def usable(self) -> bool:
        """Whether the profile has words enough to recognise a document."""
        return len(self.words) >= MIN_WORDS

    def match(self, pages: list[Page]) -> float:
        """Return the share of the profile's words the pages print (0 when not usable)."""
        if not self.usable:
            return 0.0
        present = page_words(pages)
        return sum(w in present for w in self.words) / len(self.words)

    def to_json(self) -> dict[str, Any]:
        """Return the profile as plain JSON."""
        return {"words": self.words, "documents": self.documents}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> TypeProfile:
        """Rebuild a profile written by `to_json` (an empty one from None)."""
        if not data:
            return cls()
        return cls([str(w) for w in data.get("words", [])], int(data.get("documents", 0)))


def learn_profile(documents: list[list[Page]]) -> TypeProfile:
    """Learn a type's profile from the pages of its examples."""
    if len(documents) < MIN_DOCUMENTS:
        return TypeProfile(documents=len(documents))
    counts: Counter[str] = Counter()
    for pages in documents:
        counts.update(page_words(pages))
    needed = PROFILE_SHARE * len(documents)
    common = sorted((w for w, n in counts.items() if n >= needed), key=lambda w: (-counts[w], w))
    return TypeProfile(common[:MAX_WORDS], len(documents))
