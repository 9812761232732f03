"""Evaluation on the invoice2data layout: compare/NAME.pdf|png beside NAME.json."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from paperclerk.datasets.invoice2data_format import InvoiceSample
from paperclerk.engines.base import OcrEngine
from paperclerk.errors import PaperclerkError
from paperclerk.evaluation.scoring import Scoreboard
from paperclerk.model import DocType
from paperclerk.pipeline.run import process_path

LEGAL_FORMS = re.compile(
    r"\b(inc|ltd|limited|llc|gmbh|ag|bv|b v|nv|sa|sas|sarl|srl|spa|sp z o o|pvt|private|co|"
    r"corp|corporation|company|plc|kg|ohg|ug)\b"
)
FIELDS = {
    "issuer": "vendor_name",
    "amount": "total",
    "date": "invoice_date",
    "invoice_number": "invoice_number",
    "currency": "currency",
}


def normalise_name(text: str) -> str:
    """Casefold, drop punctuation and legal forms.

    'Amazon Web Services, Inc.' becomes 'amazon web services'.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    text = LEGAL_FORMS.sub(" ", text)
    return " ".join(text.split())


def invoice_field_matches(key: str, expected: Any, predicted: Any) -> bool:
    """Compare one invoice field: names normalised, amounts as decimals, dates as ISO days."""
    if predicted is None:
        return False
    if key == "issuer":
        return normalise_name(str(predicted)) == normalise_name(str(expected))
    if key == "amount":
        try:
            return Decimal(str(predicted)) == Decimal(str(expected))
        except InvalidOperation:
            return False
    if key == "date":
        return str(predicted) == str(expected)[:10]
    if key == "currency":
        return str(predicted).upper() == str(expected).upper()
    return re.sub(r"\s", "", str(predicted)) == re.sub(r"\s", "", str(expected))


def evaluate_invoices(
    samples: list[InvoiceSample],
    *,
    engine: OcrEngine | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Scoreboard:
    """Process each invoice as an invoice and score the five header fields."""
    board = Scoreboard()
    for sample in samples:
        start = time.perf_counter()
        try:
            doc = process_path(sample.path, engine=engine, doc_type_hint=DocType.INVOICE)
        except PaperclerkError as exc:
            board.errors.append({"doc": sample.id, **exc.to_dict()})
            doc = None
        board.seconds.append(time.perf_counter() - start)
        board.docs += 1
        for key, field_name in FIELDS.items():
            expected = sample.expected.get(key)
            if expected is None or str(expected).strip() == "":
                continue
            predicted = doc.value(field_name) if doc else None
            board.add(
                key, expected, predicted, invoice_field_matches(key, expected, predicted), sample.id
            )
        if on_progress:
            on_progress(sample.id)
    return board
