"""Invoice evaluation on two layouts: invoice2data and e-invoice folders.

invoice2data: compare/NAME.pdf|png beside NAME.json. E-invoices: <id>.pdf|xml beside
<id>.gt.json, read from the XML, the text layer or OCR.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from paperclerk.datasets.invoice2data_format import InvoiceSample
from paperclerk.engines.base import OcrEngine
from paperclerk.errors import PaperclerkError
from paperclerk.evaluation.scoring import Scoreboard
from paperclerk.ingest import load_path
from paperclerk.ingest.types import IngestedFile, RawPage
from paperclerk.model import DocType
from paperclerk.pipeline.run import process_ingested, process_path

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


# --- E-invoice folders: <id>.pdf | <id>.xml beside <id>.gt.json (../shared/data/einvoices) ---

E_INVOICE_FIELDS: dict[str, str] = {
    "invoice_number": "invoice_number",
    "issue_date": "invoice_date",
    "due_date": "due_date",
    "currency": "currency",
    "seller_name": "vendor_name",
    "seller_vat_id": "vendor_tax_id",
    "buyer_name": "customer_name",
    "payee_iban": "vendor_iban",
    "tax_basis_total": "subtotal",
    "tax_total": "total_tax",
    "grand_total": "total",
    "amount_due": "amount_due",
}
"""Ground-truth key (flattened `<id>.gt.json`) → invoice field compared; plus `lines`."""


@dataclass
class EInvoiceSample:
    """One e-invoice (PDF or XML) with its flattened ground truth."""

    id: str
    path: Path
    expected: dict[str, Any]


def iter_e_invoice_samples(root: Path) -> list[EInvoiceSample]:
    """Return every `<id>.gt.json` under `root` (recursively) with a PDF (preferred) or XML.

    The expected values are flattened to the keys of `E_INVOICE_FIELDS` plus `lines` (the
    number of invoice lines). The Factur-X profiles MINIMUM and BASIC WL carry no lines
    by definition, so for them an empty list says nothing about the printed invoice: the
    count is left out (None) rather than expected to be zero.
    """
    samples: list[EInvoiceSample] = []
    for gt in sorted(root.rglob("*.gt.json")):
        stem = gt.name[: -len(".gt.json")]
        doc = next(
            (
                gt.with_name(stem + ext)
                for ext in (".pdf", ".xml")
                if gt.with_name(stem + ext).exists()
            ),
            None,
        )
        if doc is None:
            continue
        data = json.loads(gt.read_text(encoding="utf-8"))
        seller, buyer, totals = (
            data.get("seller") or {},
            data.get("buyer") or {},
            data.get("totals") or {},
        )
        expected = {
            "invoice_number": data.get("invoice_number"),
            "issue_date": data.get("issue_date"),
            "due_date": data.get("due_date"),
            "currency": data.get("currency"),
            "seller_name": seller.get("name"),
            "seller_vat_id": seller.get("vat_id"),
            "buyer_name": buyer.get("name"),
            "payee_iban": data.get("payee_iban"),
            "tax_basis_total": totals.get("tax_basis_total"),
            "tax_total": totals.get("tax_total"),
            "grand_total": totals.get("grand_total"),
            "amount_due": totals.get("due_payable"),
            "lines": _line_count(data),
        }
        rel = gt.parent.relative_to(root).as_posix()
        samples.append(EInvoiceSample(f"{rel}/{stem}" if rel != "." else stem, doc, expected))
    return samples


LINELESS_PROFILES = ("minimum", "basicwl")
"""Factur-X guideline ids (last part) whose XML has no invoice lines, whatever is printed."""


def _line_count(data: dict[str, Any]) -> int | None:
    """Return the number of lines a ground truth knows of; None for a lineless profile."""
    lines = data.get("lines") or []
    profile = str(data.get("guideline_id") or "").lower().rsplit(":", 1)[-1]
    if not lines and profile in LINELESS_PROFILES:
        return None
    return len(lines)


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    m = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})", str(value).strip())
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def e_invoice_field_matches(key: str, expected: Any, predicted: Any) -> bool:
    """Compare one e-invoice field as the issue asks, so formats do not count as misses.

    Dates as calendar days (CII YYYYMMDD = ISO), amounts to the cent, names after folding
    case and spacing, identifiers (number, VAT id, IBAN, currency) without spaces.
    """
    if predicted is None:
        return False
    if key.endswith("date"):
        return _day(expected) is not None and _day(expected) == _day(predicted)
    if key.endswith("total") or key == "amount_due":
        try:
            cent = Decimal("0.01")
            return Decimal(str(predicted)).quantize(cent) == Decimal(str(expected)).quantize(cent)
        except InvalidOperation:
            return False
    if key.endswith("name"):
        fold = unicodedata.normalize("NFKC", str(expected)).casefold().split()
        return fold == unicodedata.normalize("NFKC", str(predicted)).casefold().split()
    return re.sub(r"\s", "", str(predicted)).upper() == re.sub(r"\s", "", str(expected)).upper()


def _rasterised(ingested: IngestedFile) -> IngestedFile:
    """Return the file as page images only: no text layer, no embedded XML (the OCR path)."""
    pages = [RawPage(index=p.index, image=p.image) for p in ingested.pages]
    return replace(ingested, pages=pages, e_invoice_xml=None)


def evaluate_e_invoices(
    samples: list[EInvoiceSample],
    *,
    engine: OcrEngine | None = None,
    visual: bool = False,
    rasterise: bool = False,
    on_progress: Callable[[str], None] | None = None,
) -> Scoreboard:
    """Process each e-invoice and score header fields and the number of lines.

    By default the fields come from the XML (an XML file, or a PDF's Factur-X XML);
    `visual` ignores the XML and reads the PDF's text layer (or OCR) with the invoice
    extractor; `rasterise` also drops the text layer, so every page is OCRed.
    """
    board = Scoreboard()
    for sample in samples:
        start = time.perf_counter()
        doc = None
        try:
            if visual or rasterise:
                if sample.path.suffix.lower() != ".pdf":
                    continue  # nothing to see in a bare XML
                ingested = load_path(sample.path)
                if rasterise:
                    ingested = _rasterised(ingested)
                doc = process_ingested(
                    ingested,
                    engine=engine,
                    filename=sample.path.name,
                    doc_type_hint=DocType.INVOICE,
                    use_e_invoice=False,
                )
            else:
                doc = process_path(sample.path, engine=engine, doc_type_hint=DocType.INVOICE)
        except PaperclerkError as exc:
            board.errors.append({"doc": sample.id, **exc.to_dict()})
        board.seconds.append(time.perf_counter() - start)
        board.docs += 1
        for key, field_name in E_INVOICE_FIELDS.items():
            expected = sample.expected.get(key)
            if expected is None or str(expected).strip() == "":
                continue
            predicted = doc.value(field_name) if doc else None
            board.add(
                key,
                expected,
                predicted,
                e_invoice_field_matches(key, expected, predicted),
                sample.id,
            )
        lines, expected_lines = len(doc.line_items) if doc else None, sample.expected["lines"]
        if expected_lines is not None:
            board.add("lines", expected_lines, lines, lines == expected_lines, sample.id)
        if on_progress:
            on_progress(sample.id)
    return board
