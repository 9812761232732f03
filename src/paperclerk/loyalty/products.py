"""Match abbreviated till text to a campaign's products.

Tills print "HNZ TOM KETCH 500G" for "Heinz Tomato Ketchup 500 g". A line item matches a
product when its code equals one of the product's codes or GTINs, when its text equals a
learnt alias (reviewer corrections, stored per workspace), or when it is close enough to
the product's name or aliases by token-set fuzzy matching (rapidfuzz), after expanding
common till abbreviations. Every match says how it was made, so a finding can show it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz

from paperclerk.loyalty.campaign import Product
from paperclerk.model import LineItem

FUZZY_THRESHOLD = 82.0  # token-set ratio (0..100) a description needs to match a name


@dataclass(frozen=True)
class ProductMatch:
    """One line item matched to one product, and how."""

    line_index: int
    product_id: str
    description: str
    method: str  # "code", "learnt-alias", "alias", "fuzzy-alias" or "fuzzy" (to the name)
    score: float  # 0..100
    matched_name: str  # the product name, alias or code that matched
    quantity: Decimal
    amount: Decimal | None


def normalise(text: str) -> str:
    """Casefold, strip accents and punctuation, and split digits from letters."""
    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    value = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", value)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", value).split())


def _digits(code: str) -> str:
    return re.sub(r"\D", "", code)


def _codes_match(item_code: str, product: Product) -> bool:
    code = normalise(item_code).replace(" ", "")
    digits = _digits(item_code)
    for known in product.codes:
        if code and code == normalise(known).replace(" ", ""):
            return True
        # GTIN-8/12/13/14 are the same number padded with zeros on the left
        kd = _digits(known)
        if len(digits) >= 8 and len(kd) >= 8 and digits.lstrip("0") == kd.lstrip("0"):
            return True
    return False


def _quantity(item: LineItem) -> Decimal:
    value = item.value("quantity")
    return value if isinstance(value, Decimal) and value > 0 else Decimal(1)


def _amount(item: LineItem) -> Decimal | None:
    value = item.value("total_price")
    if isinstance(value, Decimal):
        return value
    unit = item.value("unit_price")
    return unit * _quantity(item) if isinstance(unit, Decimal) else None


def match_item(
    item: LineItem, products: Iterable[Product], learnt: Mapping[str, str] | None = None
) -> ProductMatch | None:
    """Return the best product match of one line item, or None when nothing is close enough."""
    description = str(item.value("description") or "")
    code = str(item.value("product_code") or "")
    norm = normalise(description)
    best: ProductMatch | None = None
    for product in products:
        method, score, name = _match_one(code, description, norm, product, learnt or {})
        if method and (best is None or score > best.score):
            best = ProductMatch(
                item.index,
                product.id,
                description,
                method,
                score,
                name,
                _quantity(item),
                _amount(item),
            )
    return best


def _match_one(
    code: str, description: str, norm: str, product: Product, learnt: Mapping[str, str]
) -> tuple[str, float, str]:
    """Return (method, score, matched name) of one item against one product; method '' if none."""
    if code and _codes_match(code, product):
        return "code", 100.0, code
    if not norm:
        return "", 0.0, ""
    if learnt.get(norm) == product.id:
        return "learnt-alias", 100.0, description
    if _codes_match(description, product):  # a GTIN printed in the description
        return "code", 100.0, description
    for alias in product.aliases:
        if normalise(alias) == norm:
            return "alias", 100.0, alias
    scored = [(float(fuzz.token_set_ratio(norm, normalise(n))), n) for n in product.aliases]
    scored.append((float(fuzz.token_set_ratio(norm, normalise(product.name))), product.name))
    score, name = max(scored)
    if score < FUZZY_THRESHOLD:
        return "", score, name
    return ("fuzzy-alias" if name in product.aliases else "fuzzy"), score, name


def readable_items(items: Iterable[LineItem]) -> list[LineItem]:
    """Return the line items that can be matched at all: a code, or a description with words.

    An item read as ".." or "1 X" says nothing about what was bought; a receipt whose items
    are all like that is unread, not a receipt without the products.
    """
    return [
        item
        for item in items
        if item.value("product_code")
        or len(re.sub(r"[^a-z]", "", normalise(str(item.value("description") or "")))) >= 3
    ]


def match_items(
    items: Iterable[LineItem], products: list[Product], learnt: Mapping[str, str] | None = None
) -> list[ProductMatch]:
    """Match every line item that matches a product."""
    out = []
    for item in items:
        found = match_item(item, products, learnt)
        if found is not None:
            out.append(found)
    return out
