"""Check digits of a user field of value type `code`, by python-stdnum's formats.

A field that holds an IBAN, a VAT id, a container number (ISO 6346), an LEI, an ISIN, a
creditor reference (ISO 11649) or any of python-stdnum's 200-odd formats names the format
as its `check` (`iban`, `vatin`, `eu.vat`, `iso6346`, `luhn`…). Only runs of words that pass
the check are candidates, so the ranker chooses among valid codes, and the value is
returned in the format's compact form.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from functools import lru_cache
from types import ModuleType

_FORMAT = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?$")
EXAMPLES = "iban, vatin, eu.vat, bic, iso6346, iso11649, lei, isin, luhn, ean, isbn"


@lru_cache(maxsize=64)
def check_format(name: str) -> ModuleType:
    """Return python-stdnum's module of a format name; ValueError for one it has not."""
    if not _FORMAT.match(name):
        raise ValueError(f"no check {name!r}: name a python-stdnum format ({EXAMPLES}, …)")
    try:
        module = importlib.import_module(f"stdnum.{name}")
    except ImportError:
        raise ValueError(
            f"no check {name!r}: name a python-stdnum format ({EXAMPLES}, …)"
        ) from None
    if not callable(getattr(module, "is_valid", None)):
        raise ValueError(f"{name!r} is no python-stdnum format with check digits")
    return module


def checker(name: str) -> Callable[[str], bool]:
    """Return whether a text passes the format's check (its check digits hold)."""
    module = check_format(name)

    def valid(text: str) -> bool:
        try:
            return bool(module.is_valid(text))
        except Exception:  # a format's parser may raise on odd input; that is no code
            return False

    return valid


def compact(name: str, text: str) -> str:
    """Return a code in its format's compact form (`DE89 3704…` → `DE893704…`)."""
    module = check_format(name)
    try:
        return str(module.compact(text))
    except Exception:  # keep the text as printed when the format cannot compact it
        return text
