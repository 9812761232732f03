"""Fuzzy comparison of names and addresses across documents, with the scores that explain it.

Text is folded first (case, accents, the letters NFKD does not split such as `ø` and `ł`,
punctuation), so `Zoë O'Brien` and `ZOE OBRIEN` compare equal. Names are compared with
rapidfuzz's token set ratio, which ignores word order and the middle names one document
prints and another leaves out, and honorifics are dropped. A token set ratio is 100 for
any subset, so `Anna` alone would match `Anna Berg`: the identity document's surname (one
of its words, for compound surnames) must appear in the other name and its other words
must be given names of the holder, or the score falls to the plain token sort ratio;
initials or a surname alone reach only the grey zone. Addresses are scored as the mean of
the token set and token sort ratios after common street words are abbreviated; every house
number and postcode digit group of the declared address must appear in the other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from paperclerk.model import Page

_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
)
HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "herr",
        "frau",
        "m",
        "mme",
        "mlle",
        "dhr",
        "mevr",
        "sr",
        "sra",
    }
)
"""Titles printed before names on bills and statements (folded), never part of a name."""
STREET_WORDS = {
    "street": "st",
    "road": "rd",
    "avenue": "ave",
    "lane": "ln",
    "drive": "dr",
    "place": "pl",
    "square": "sq",
    "court": "ct",
    "boulevard": "blvd",
    "apartment": "apt",
    "flat": "apt",
    "strasse": "str",
    "straße": "str",
    "rue": "r",
}
SURNAME_TOKEN_MIN = 80.0
"""A surname word matches a word of the other name from this ratio (OCR slips, transliteration)."""
LEGAL_FORMS = frozenset(
    {
        "ltd",
        "limited",
        "plc",
        "llc",
        "inc",
        "corp",
        "co",
        "gmbh",
        "ag",
        "kg",
        "ohg",
        "ug",
        "bv",
        "nv",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "ab",
        "as",
        "oy",
    }
)
"""Legal forms (folded): shared by many employers, so they say nothing about which one paid."""
MAX_WINDOW = 4
"""Consecutive page lines tried together when an address is looked for on a page."""


def fold(text: str) -> str:
    """Return text case-folded, without accents and punctuation, single-spaced.

    The same folding on both sides makes `Müller`, `MULLER` and `muller` one word; the
    fuzzy ratios then judge only real differences.
    """
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


def name_tokens(name: str) -> list[str]:
    """Return the folded words of a name without honorifics (`Ms Anna Berg` → anna, berg)."""
    return [t for t in fold(name).split() if t not in HONORIFICS]


PARTIAL_NAME_CAP = 80.0
"""The most a name scores that shows the surname with initials only, or the surname alone."""


@dataclass(frozen=True)
class NameComparison:
    """How well a name matches the identity document's: the score and how it was reached."""

    score: float
    token_set: float
    surname_found: bool
    given_names: str
    """How the other name's given names compare: `match`, `initials`, `none` or `other`."""
    compared: str
    """The other name as compared (folded, honorifics dropped)."""


def _like(a: str, b: str) -> bool:
    return fuzz.ratio(a, b) >= SURNAME_TOKEN_MIN


def compare_name(surname: str, given_names: str, other: str) -> NameComparison:
    """Score another document's name against the identity document's surname and given names.

    The token set ratio counts when the surname and a given name are in the other name.
    Without the surname, or with a given name the identity document does not have (`Jan`
    or `J.` for Zofia), the token sort ratio counts, which a shared word alone cannot lift.
    The surname with only initials that fit (`Z. Kowalczyk`), or alone, scores at most
    `PARTIAL_NAME_CAP`: a grey zone for a person with the default policy.
    """
    id_tokens = name_tokens(f"{given_names} {surname}")
    other_tokens = name_tokens(other)
    full, compared = " ".join(id_tokens), " ".join(other_tokens)
    token_set = float(fuzz.token_set_ratio(full, compared))
    token_sort = float(fuzz.token_sort_ratio(full, compared))
    surnames, given = name_tokens(surname), name_tokens(given_names)
    found = not surnames or any(_like(s, o) for s in surnames for o in other_tokens)
    rest = [o for o in other_tokens if not any(_like(s, o) for s in surnames)]
    fits = [
        any(g.startswith(o) for g in given) if len(o) == 1 else any(_like(g, o) for g in given)
        for o in rest
    ]
    if not rest:
        kind = "none"
    elif not all(fits):
        kind = "other"
    else:
        kind = "initials" if all(len(o) == 1 for o in rest) else "match"
    score = token_set
    if not found or kind == "other":
        score = min(token_set, token_sort)
    elif kind in ("none", "initials") and given:
        score = min(token_set, PARTIAL_NAME_CAP)
    return NameComparison(round(score, 1), round(token_set, 1), found, kind, compared)


def _address_tokens(address: str) -> list[str]:
    return [STREET_WORDS.get(t, t) for t in fold(address).split()]


def _numbers(tokens: list[str]) -> set[str]:
    """Return the digit groups of address words (house numbers, postcode parts)."""
    return {d for t in tokens for d in re.findall(r"\d+", t)}


@dataclass(frozen=True)
class AddressComparison:
    """How well an address matches the declared one, with the evidence of the score."""

    score: float
    token_set: float
    token_sort: float
    missing_numbers: list[str]
    compared: str
    """The other address as compared (as printed, lines joined)."""


def compare_address(declared: str, other: str) -> AddressComparison:
    """Score an address against the declared one: mean of token set and token sort ratios.

    The token set ratio alone is 100 for a town name that the declared address contains;
    the token sort ratio weighs what is missing. A house number or postcode digit group
    of the declared address missing from the other caps the score at 60: a different
    number is a different address, however alike the street names are.
    """
    a, b = _address_tokens(declared), _address_tokens(other)
    left, right = " ".join(a), " ".join(b)
    token_set = float(fuzz.token_set_ratio(left, right))
    token_sort = float(fuzz.token_sort_ratio(left, right))
    score = (token_set + token_sort) / 2
    missing = sorted(_numbers(a) - _numbers(b))
    if missing:
        score = min(score, 60.0)
    return AddressComparison(
        round(score, 1), round(token_set, 1), round(token_sort, 1), missing, other
    )


def best_on_pages(declared: str, pages: list[Page]) -> tuple[AddressComparison, int] | None:
    """Find the declared address on pages: the run of 1–4 consecutive lines that scores best.

    For proofs whose extractor names no address (a bank statement): the address block an
    envelope window shows is a few consecutive lines. Returns the comparison and its page.
    """
    best: tuple[AddressComparison, int] | None = None
    for page in pages:
        texts = [line.text for line in sorted(page.lines, key=lambda ln: (ln.box.y0, ln.box.x0))]
        for start in range(len(texts)):
            for size in range(1, MAX_WINDOW + 1):
                if start + size > len(texts):
                    break
                found = compare_address(declared, ", ".join(texts[start : start + size]))
                if best is None or found.score > best[0].score:
                    best = (found, page.index)
    return best


def employer_in(employer: str, description: str) -> float:
    """Return how well a bank line's description names an employer (0–100).

    The best ratio of a distinctive word of the employer's name (three letters or more,
    not a legal form like `Ltd` or `GmbH`) to a word of the description: transfers carry
    a shortened payer name (`NORTHWIND SALARY` for `Northwind Traders Ltd`).
    """
    words = [t for t in fold(employer).split() if len(t) >= 3 and t not in LEGAL_FORMS]
    other = fold(description).split()
    if not words or not other:
        return 0.0
    return round(max(float(fuzz.ratio(w, o)) for w in words for o in other), 1)
