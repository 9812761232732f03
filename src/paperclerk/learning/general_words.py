"""Words of the general language, with how common each is, for repairing misread shop words.

The confirmed names and addresses of a few hundred receipts never hold every word an unseen
shop prints: `WORLD`, `IDEA`, `PHARMACY` or `GUARDIAN` may be new to them, and OCR misreads
such words as `WORID`, `1DEA`, `PHARHACY` or `BUARDIAN`. The English word frequency list that
ships with pyspellchecker (MIT licence) knows them. Only words of four letters or more are
kept; the rarest words are kept apart, as words that exist (a word read that is one of them is
never rewritten) but not as repairs (a misreading is far likelier to stand for a common word).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib.resources import files

import numpy as np

MIN_LENGTH = 4
REPAIR_MIN_FREQUENCY = 100
"""How often a word must occur in the frequency list to be offered as the repair of a misreading."""
COMMON_FREQUENCY = 100_000
"""How often a word must occur to be the repair of a short word read with letters only.

Short words one look-alike apart are common (`MENTAI`, a Malay word, beside `MENTAL`), so a short
word read with nothing but letters is only taken for one of the language's most common words
(`WORID` for `WORLD`).
"""


_ENTRY = re.compile(rb'"([a-z]{4,})": (\d+)')


def english_frequencies() -> Iterator[tuple[str, int]]:
    """Yield upper-case English words of four letters or more with their corpus frequency.

    The list is read entry by entry rather than as one JSON object: a dictionary of all
    160,000 words would leave a worker 20 MB larger after it is freed.
    """
    raw = gzip.decompress(files("spellchecker").joinpath("resources", "en.json.gz").read_bytes())
    for match in _ENTRY.finditer(raw):
        yield match.group(1).decode().upper(), int(match.group(2))


@lru_cache(maxsize=1)
def english_words() -> GeneralWords:
    """Return the English words as the spelling repair uses them (loaded once per process)."""
    return GeneralWords(english_frequencies())


def _fingerprint(word: str) -> int:
    """Return a stable 63-bit fingerprint of a word, so a set of words costs 8 bytes a word."""
    digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


class GeneralWords:
    """Words known to exist, and the common ones among them offered as repairs.

    The 127,000 words known are kept as sorted fingerprints (1 MB rather than 11 MB of
    strings): a worker's memory is budgeted, and a word is only ever looked up.
    """

    def __init__(self, frequencies: Iterable[tuple[str, int]]) -> None:
        known: list[int] = []
        self.frequency: dict[str, int] = {}
        for word, count in frequencies:
            known.append(_fingerprint(word))
            if count >= REPAIR_MIN_FREQUENCY:
                self.frequency[word] = count
        self._known = np.array(sorted(known), dtype=np.int64)
        self.trigrams = frozenset(
            padded[i : i + 3]
            for w in self.frequency
            for padded in [f" {w} "]
            for i in range(len(padded) - 2)
        )

    def __contains__(self, word: str) -> bool:
        """Tell whether the language knows a word (upper case), however rare."""
        key = _fingerprint(word)
        at = int(np.searchsorted(self._known, key))
        return at < len(self._known) and int(self._known[at]) == key
