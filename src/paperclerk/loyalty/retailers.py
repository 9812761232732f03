"""Recognise a campaign's shop on a receipt: by name, registration number, tax id or address.

Receipts print the company behind a shop: "MR. D.I.Y. (M) SDN BHD" for the brand "MR DIY".
Both sides are normalised the same way before fuzzy matching: accents, case and
punctuation go, dotted abbreviations are joined (D.I.Y. → diy), and legal forms with the
bracketed country marks that go with them ("(M) SDN BHD", "GmbH & Co. KG", "S.A.") are
dropped (a bracketed mark just before a legal form says where the company is registered:
"(M)", "(JOHOR)"). Only legal forms, from the table below, never words such as
"Enterprise" or "Trading" that are part of many shops' names.

The name score (rapidfuzz token-set ratio, 0..100) decides: from `ACCEPT_SCORE` the shop
matches, from `REVIEW_SCORE` a person looks (an OCR-mangled name of the right shop usually
lands there; other shops' names rarely do), below it the shop is another one. A
registration number or tax id of the shop on the receipt is strong evidence and matches
whatever the name scored. An address is weaker (shops in one mall share it): it lifts a
borderline name to a match and turns an unrecognised name into a review, never a rejection.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from paperclerk.loyalty.campaign import Retailer
from paperclerk.model import Document

ACCEPT_SCORE = 85.0
REVIEW_SCORE = 65.0
ADDRESS_SCORE = 90.0  # token-set ratio of a listed address against the address read
HEADER_LINES = 15  # identifiers are looked for in the first lines of the first page
MIN_ID_DIGITS = 6  # shorter numbers turn up by chance in phone numbers and addresses

# Legal forms as normalised tokens (after joining dotted abbreviations): longest first.
LEGAL_FORMS: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            tuple(form.split())
            for form in (
                "sdn bhd", "bhd", "berhad", "pte ltd", "pte", "pvt ltd", "pvt", "ltd",
                "limited", "plc", "llc", "llp", "lp", "inc", "incorporated", "corp",
                "corporation", "co", "company", "pty", "gmbh", "gmbh co kg", "co kg", "kg",
                "ag", "ug", "ohg", "ev", "sa", "sarl", "sas", "sasu", "eurl", "srl", "spa",
                "sl", "bv", "nv", "vof", "oy", "oyj", "ab", "as", "asa", "aps", "kk", "tbk",
                "jsc", "pjsc", "ooo", "zao", "sp z oo", "sro", "kft", "doo",
            )
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip

# Bracketed registration numbers such as "(1135772-K)" say nothing about the name.
_BRACKETED_NUMBER = re.compile(r"\(\s*\d[\d\s-]*[a-z]?\s*\)")
_DOTTED = re.compile(r"\b[a-z](?:\.\s?[a-z])+\b\.?")


def normalise_shop_name(text: str) -> str:
    """Normalise a shop name for matching: no case, accents, punctuation nor legal form.

    Both the campaign's names and the name read from the receipt go through this, so that
    "MR. D.I.Y. (M) SDN BHD" and "MR DIY" compare equal. A bracketed mark just before a
    legal form ("(M)", "(JOHOR)", "(MALAYSIA)") says where the company is registered and
    goes with it. A name that is nothing but a legal form keeps it rather than vanish.
    """
    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    value = _BRACKETED_NUMBER.sub(" ", value)
    value = _DOTTED.sub(lambda m: re.sub(r"[.\s]", "", m.group(0)), value)
    value = re.sub(r"['`]", "", value)
    value = re.sub(r"[^0-9a-z()]+", " ", value).replace("(", " ( ").replace(")", " ) ")
    tokens = value.split()
    kept = _drop_legal_forms(tokens)
    return " ".join(kept or [t for t in tokens if t not in "()"])


def _legal_form_at(tokens: list[str], i: int) -> int:
    """Return how many tokens from `i` make a legal form (0 when none starts there)."""
    form = next((f for f in LEGAL_FORMS if tuple(tokens[i : i + len(f)]) == f), None)
    return len(form) if form else 0


def _drop_legal_forms(tokens: list[str]) -> list[str]:
    """Drop legal forms, the bracketed marks just before them and the brackets themselves."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "(" and ")" in tokens[i:]:
            close = tokens.index(")", i)
            if _legal_form_at(tokens, close + 1):
                i = close + 1
                continue
        if tokens[i] in ("(", ")"):
            i += 1
            continue
        n = _legal_form_at(tokens, i)
        if n:
            i += n
            continue
        out.append(tokens[i])
        i += 1
    return out


def _compact(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def _address_form(text: str) -> str:
    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", value).split())


Verdict = Literal["match", "borderline", "other", "unread"]
IdentifierKind = Literal["registration_number", "tax_id", "address"]


@dataclass(frozen=True)
class Identifier:
    """An identifier of a campaign retailer found on the receipt."""

    kind: IdentifierKind
    value: str  # as the campaign lists it
    score: float = 100.0  # 100 for numbers; the fuzzy score for an address


@dataclass(frozen=True)
class RetailerMatch:
    """The campaign retailer closest to the receipt's shop, with the evidence for it."""

    retailer: str  # the campaign retailer's name; '' when the campaign lists none
    matched_name: str  # its name or alias that scored best
    read_name: str | None
    read_normalised: str
    matched_normalised: str
    score: float  # name score, 0..100
    identifier: Identifier | None
    verdict: Verdict


def _header_text(doc: Document) -> list[str]:
    """Return the first lines of the first page, where shops print their numbers."""
    if not doc.pages:
        return []
    return [line.text for line in doc.pages[0].lines[:HEADER_LINES]]


def _number_found(number: str, read_tax_id: str | None, header: list[str]) -> bool:
    """Whether a registration number or tax id is on the receipt, whole (not inside another)."""
    wanted = _compact(number)
    if sum(c.isdigit() for c in wanted) < MIN_ID_DIGITS:
        return False
    if read_tax_id and _compact(read_tax_id) == wanted:
        return True
    pattern = re.compile(rf"(?<!\d){re.escape(wanted)}(?!\d)")
    return any(pattern.search(_compact(line)) for line in header)


def _identifier(doc: Document, retailer: Retailer) -> Identifier | None:
    """Return the strongest identifier of `retailer` found on the receipt, if any."""
    tax_id = doc.value("merchant_tax_id")
    read_tax_id = str(tax_id) if tax_id else None
    header = _header_text(doc)
    numbered: tuple[tuple[IdentifierKind, list[str]], ...] = (
        ("registration_number", retailer.registration_numbers),
        ("tax_id", retailer.tax_ids),
    )
    for kind, numbers in numbered:
        for number in numbers:
            if _number_found(number, read_tax_id, header):
                return Identifier(kind, number)
    address = doc.value("merchant_address")
    if address and retailer.addresses:
        read = _address_form(str(address))
        score, listed = max(
            (float(fuzz.token_set_ratio(_address_form(a), read)), a) for a in retailer.addresses
        )
        if score >= ADDRESS_SCORE:
            return Identifier("address", listed, score)
    return None


def _verdict(score: float, identifier: Identifier | None, read: bool) -> Verdict:
    if identifier is not None and identifier.kind != "address":
        return "match"
    if score >= ACCEPT_SCORE or (identifier is not None and score >= REVIEW_SCORE):
        return "match"
    if identifier is not None or score >= REVIEW_SCORE:
        return "borderline"
    return "other" if read else "unread"


def match_retailer(doc: Document, retailers: Iterable[Retailer]) -> RetailerMatch:
    """Return the campaign retailer that best matches the receipt's shop, and how well.

    Every retailer is scored by its names (fuzzy, normalised) and searched for by its
    identifiers; one recognised by a registration number or tax id wins over names.
    """
    merchant = doc.value("merchant_name")
    read_name = str(merchant) if merchant else None
    read_norm = normalise_shop_name(read_name) if read_name else ""
    best: RetailerMatch | None = None
    rank = {"match": 3, "borderline": 2, "other": 1, "unread": 0}
    for retailer in retailers:
        score, name = 0.0, retailer.name
        if read_norm:
            score, name = max(
                (float(fuzz.token_set_ratio(read_norm, normalise_shop_name(n))), n)
                for n in (retailer.name, *retailer.aliases)
            )
        identifier = _identifier(doc, retailer)
        candidate = RetailerMatch(
            retailer=retailer.name,
            matched_name=name,
            read_name=read_name,
            read_normalised=read_norm,
            matched_normalised=normalise_shop_name(name),
            score=score,
            identifier=identifier,
            verdict=_verdict(score, identifier, read_name is not None),
        )
        key = (rank[candidate.verdict], candidate.identifier is not None, candidate.score)
        if best is None or key > (rank[best.verdict], best.identifier is not None, best.score):
            best = candidate
    if best is None:
        return RetailerMatch("", "", read_name, read_norm, "", 0.0, None, "match")
    return best
