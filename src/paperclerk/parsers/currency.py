"""Currency symbols and ISO 4217 codes as they appear on receipts and invoices.

OCR text writes currencies as symbols (``€``, ``$``, ``RM``), ISO codes (``EUR``) or local
abbreviations (``Rs.``, ``zł``).  This module maps all of them to ISO 4217 codes so that the
rest of the system only ever sees codes.
"""

from __future__ import annotations

import re
from collections import Counter

#: Symbol or local abbreviation → ISO 4217 code.  Ambiguous symbols map to their most common
#: meaning on the documents we see (``$`` → USD, ``¥`` → JPY, ``kr`` is left out on purpose).
CURRENCY_SYMBOLS: dict[str, str] = {
    "€": "EUR",
    "£": "GBP",
    "$": "USD",
    "US$": "USD",
    "USD$": "USD",
    "S$": "SGD",
    "SG$": "SGD",
    "A$": "AUD",
    "AU$": "AUD",
    "C$": "CAD",
    "CA$": "CAD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "R$": "BRL",
    "RM": "MYR",
    "₹": "INR",
    "Rs.": "INR",
    "Rs": "INR",
    "₨": "INR",
    "¥": "JPY",
    "円": "JPY",
    "元": "CNY",
    "RMB": "CNY",
    "zł": "PLN",
    "Kč": "CZK",
    "Ft": "HUF",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "฿": "THB",
    "₱": "PHP",
    "Rp": "IDR",
    "₫": "VND",
    "₪": "ILS",
    "Fr.": "CHF",
    "SFr.": "CHF",
}

#: ISO 4217 codes we recognise as standalone words.  Codes that are also common English words
#: (ALL, TOP, CUP, MOP...) are left out so that they do not trigger false detections.
ISO_CODES: frozenset[str] = frozenset(
    {
        "AED", "AUD", "BGN", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD",
        "HRK", "HUF", "IDR", "ILS", "INR", "ISK", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD",
        "PHP", "PLN", "RON", "RUB", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "USD", "VND",
        "ZAR", "EGP", "NGN", "KES", "PKR", "LKR", "BDT", "QAR", "KWD", "BHD", "OMR",
    }
)  # fmt: skip

# Weight of each kind of evidence when several currencies appear in one text.
_WEIGHT_CODE = 3
_WEIGHT_SPECIFIC = 2
_WEIGHT_GENERIC = 1
_GENERIC = frozenset({"$", "¥"})


def _alternation(keys: list[str]) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


# A currency token: a symbol (letters in it must not be glued to other letters) or a code.
_CUR_BODY = _alternation([*CURRENCY_SYMBOLS, *ISO_CODES])
CURRENCY_PATTERN = rf"(?<![^\W\d_])(?:{_CUR_BODY})(?![^\W\d_])"
_CUR_RE = re.compile(CURRENCY_PATTERN)


def currency_code(token: str) -> str | None:
    """Return the ISO code for one symbol/code token (as matched by ``CURRENCY_PATTERN``)."""
    tok = token.strip()
    if tok in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[tok]
    if tok.upper() in ISO_CODES:
        return tok.upper()
    return None


def _weight(token: str) -> int:
    if token in ISO_CODES:
        return _WEIGHT_CODE
    if token in _GENERIC:
        return _WEIGHT_GENERIC
    return _WEIGHT_SPECIFIC


# Company legal forms that look like currency codes: "SDN BHD" is not Bahraini dinars.
_LEGAL_FORMS = re.compile(r"\bSDN\.?\s*BHD\b|\bBHD\.?\s*$|\bBERHAD\b", re.IGNORECASE)


def detect_currency(text: str) -> str | None:
    """Return the ISO 4217 code that the text most plausibly uses, or None.

    Every symbol and code is counted; ISO codes weigh more than specific symbols (``S$``,
    ``RM``), which weigh more than generic ones (``$``), so ``$ 12.00 ... SGD`` gives SGD.
    Ties go to the currency seen first.
    """
    scores: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    text = _LEGAL_FORMS.sub(" ", text)
    for m in _CUR_RE.finditer(text):
        code = currency_code(m.group(0))
        if code is None:
            continue
        scores[code] += _weight(m.group(0))
        first_seen.setdefault(code, m.start())
    if not scores:
        return None
    return max(scores, key=lambda c: (scores[c], -first_seen[c]))
