"""Importers that turn labelled folders into training examples."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Literal

from paperclerk.datasets.dataset import Dataset, TrainingExample
from paperclerk.datasets.invoice2data_format import iter_invoice_samples
from paperclerk.datasets.ocr_cache import read_pages_cached
from paperclerk.datasets.sroie_format import SroieSample, iter_samples, read_box_file
from paperclerk.engines.base import OcrEngine
from paperclerk.errors import PaperclerkError
from paperclerk.model import DocType, Page
from paperclerk.pages.layout import build_page
from paperclerk.parsers import parse_amount, parse_date

Progress = Callable[[str], None]


def sroie_fields(key: dict[str, object]) -> dict[str, str | None]:
    """Map a SROIE key file onto the receipt schema, values in their JSON form."""
    out: dict[str, str | None] = {}
    if str(key.get("company") or "").strip():
        out["merchant_name"] = " ".join(str(key["company"]).split())
    if str(key.get("address") or "").strip():
        out["merchant_address"] = " ".join(str(key["address"]).split())
    day = parse_date(str(key.get("date") or ""), dayfirst=True)
    if day is not None:
        out["transaction_date"] = day.isoformat()
    amount = parse_amount(str(key.get("total") or ""))
    if amount is not None:
        out["total"] = str(amount)
    return out


def given_ocr_page(sample: SroieSample) -> Page:
    """Build the page of a SROIE sample from its ground-truth line boxes."""
    assert sample.box is not None
    words = read_box_file(sample.box)
    width = int(max((w.box.x1 for w in words), default=1))
    height = int(max((w.box.y1 for w in words), default=1))
    return build_page(0, width, height, words, text_source="given-ocr")


def import_sroie(
    root: Path,
    *,
    ocr: Literal["given", "engine"] = "engine",
    engine: OcrEngine | None = None,
    cache_dir: Path | None = None,
    limit: int | None = None,
    on_progress: Progress | None = None,
) -> Dataset:
    """Import a SROIE-layout folder: words from box/ ('given') or from OCR of img/ ('engine').

    Example ids are `sroie/<id>` in both modes, so a split puts a receipt on the same side
    whichever words it carries.
    """
    examples: list[TrainingExample] = []
    for sample in iter_samples(root, limit):
        if ocr == "given":
            if sample.box is None:
                continue
            pages = [given_ocr_page(sample)]
        else:
            if sample.image is None or engine is None or cache_dir is None:
                continue
            try:
                pages = read_pages_cached(sample.image, engine, cache_dir)
            except PaperclerkError:
                continue
        examples.append(
            TrainingExample(
                id=f"sroie/{sample.id}",
                doc_type=DocType.RECEIPT,
                pages=pages,
                fields=sroie_fields(sample.key),
                source=f"sroie-{ocr}",
            )
        )
        if on_progress:
            on_progress(sample.id)
    return Dataset(examples)


def import_invoice2data(
    root: Path, *, engine: OcrEngine, cache_dir: Path, on_progress: Progress | None = None
) -> Dataset:
    """Import invoice2data `compare/` pairs: issuer, amount, date, invoice number, currency."""
    examples: list[TrainingExample] = []
    for sample in iter_invoice_samples(root):
        try:
            pages = read_pages_cached(sample.path, engine, cache_dir)
        except PaperclerkError:
            continue
        exp = sample.expected
        fields: dict[str, str | None] = {}
        if exp.get("issuer"):
            fields["vendor_name"] = str(exp["issuer"])
        if exp.get("amount") is not None:
            fields["total"] = str(Decimal(str(exp["amount"])))
        if exp.get("date"):
            day = parse_date(str(exp["date"]), dayfirst=False)
            if day is not None:
                fields["invoice_date"] = day.isoformat()
        for key in ("invoice_number", "currency"):
            if exp.get(key):
                fields[key] = str(exp[key])
        examples.append(
            TrainingExample(
                id=f"invoice2data/{sample.id}",
                doc_type=DocType.INVOICE,
                pages=pages,
                fields=fields,
                source="invoice2data",
            )
        )
        if on_progress:
            on_progress(sample.id)
    return Dataset(examples)


def import_corrections(path: Path) -> Dataset:
    """Read the examples the review flow appended (one JSON training example per line)."""
    return Dataset.load(path) if path.exists() else Dataset()
