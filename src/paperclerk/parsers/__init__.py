"""Typed-value parsers for OCR text: money, dates, times, currencies and identifiers."""

from paperclerk.parsers.currency import CURRENCY_SYMBOLS, detect_currency
from paperclerk.parsers.dates import DateMatch, find_dates, parse_date
from paperclerk.parsers.ids import find_ibans, find_phones, find_vat_ids, find_vat_shaped
from paperclerk.parsers.money import (
    AmountMatch,
    find_amounts,
    find_misread_point_amounts,
    parse_amount,
)
from paperclerk.parsers.text import loose_text, same_loose_text
from paperclerk.parsers.times import TimeMatch, find_times

__all__ = [
    "CURRENCY_SYMBOLS",
    "AmountMatch",
    "DateMatch",
    "TimeMatch",
    "detect_currency",
    "find_amounts",
    "find_dates",
    "find_ibans",
    "find_misread_point_amounts",
    "find_phones",
    "find_times",
    "find_vat_ids",
    "find_vat_shaped",
    "loose_text",
    "parse_amount",
    "parse_date",
    "same_loose_text",
]
