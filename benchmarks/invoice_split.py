"""How well `pipeline.split.split_invoices` cuts batches of invoices back into invoices.

Batches are made by concatenating 2-5 randomly drawn invoice PDFs of the shared data
(`../shared/data/einvoices/facturx_pdf`, `invoices/invoice2data/compare`,
`invoices/docile_sample/pdfs`), in a seeded random order (`--seed`, `--batches`), with
pypdfium2, so the true boundaries are known. Each batch is ingested like an upload
(`ingest.load_bytes`) and its pages are read:

- by default from their PDF text layer (born-digital);
- with `--rasterise`, without it: the rendered pixels go through preprocessing and OCR
  (`--engine`, RapidOCR by default). A source page is OCRed once and its reading reused
  when the page comes back in a later batch (OCR is deterministic); seconds per page count
  the first reading of each page.

`--no-markers` drops every line holding a page marker before the split, to measure what the
other signals (header, number, ids, letterhead, totals) decide alone.

Reported: boundary precision and recall (a boundary is a page that starts an invoice, the
first page of a batch excluded), the share of batches cut exactly right, and seconds per
page (reading, and the split decision alone). Every batch's parts are also written with
`write_parts` and must hold all of its pages. A table on stdout, JSON with `--json`.

    .venv/bin/python benchmarks/invoice_split.py --json /tmp/split.json
    .venv/bin/python benchmarks/invoice_split.py --rasterise --batches 8 --json /tmp/ocr.json
    .venv/bin/python benchmarks/invoice_split.py --sources /tmp/heldout   # other invoices
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import random
import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from paperclerk.engines.base import OcrEngine
from paperclerk.engines.registry import get_engine
from paperclerk.ingest import load_bytes
from paperclerk.ingest.types import RawPage
from paperclerk.model import Page
from paperclerk.pages.read import read_page
from paperclerk.pipeline.split import page_marker, split_invoices
from paperclerk.pipeline.split_pdf import write_parts

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SOURCES = (
    SHARED / "einvoices" / "facturx_pdf",
    SHARED / "invoices" / "invoice2data" / "compare",
    SHARED / "invoices" / "docile_sample" / "pdfs",
)


def source_pdfs(folders: tuple[Path, ...] = SOURCES) -> list[Path]:
    """Every invoice PDF of `folders` that opens, sorted by path."""
    out = []
    for folder in folders:
        for path in sorted(folder.glob("*.pdf")) if folder.is_dir() else []:
            try:
                pdfium.PdfDocument(path.read_bytes()).close()
            except pdfium.PdfiumError:
                continue
            out.append(path)
    return out


def concatenate(paths: list[Path]) -> tuple[bytes, list[int]]:
    """Return one PDF of all pages of `paths` in order, and the page where each one starts."""
    batch = pdfium.PdfDocument.new()
    starts = []
    for path in paths:
        src = pdfium.PdfDocument(path.read_bytes())
        starts.append(len(batch))
        batch.import_pages(src)
        src.close()
    buf = io.BytesIO()
    batch.save(buf)
    batch.close()
    return buf.getvalue(), starts


class Reader:
    """Reads batch pages: text layer, or OCR with each source page read once."""

    def __init__(self, engine: OcrEngine | None) -> None:
        self.engine = engine
        self.cache: dict[tuple[str, int], Page] = {}
        self.seconds = 0.0
        self.pages_read = 0

    def read(self, raw: RawPage, key: tuple[str, int]) -> Page:
        if self.engine is not None and key in self.cache:
            return self.cache[key].model_copy(update={"index": raw.index})
        start = time.perf_counter()
        if self.engine is None:
            page = read_page(raw, None, {})  # type: ignore[arg-type]  # text layer: no OCR
        else:
            page = read_page(RawPage(index=raw.index, image=raw.image), self.engine, {})
            self.cache[key] = page
        self.seconds += time.perf_counter() - start
        self.pages_read += 1
        return page


def without_markers(page: Page) -> Page:
    """The page without its "page n of N" lines: what the other signals decide alone."""
    lines = [line for line in page.lines if page_marker([line.text]) is None]
    return page.model_copy(update={"lines": lines})


def run(args: argparse.Namespace) -> dict[str, Any]:
    paths = source_pdfs(tuple(args.sources))
    if len(paths) < 5:
        raise SystemExit(f"only {len(paths)} shared invoice PDFs found under {SHARED}")
    reader = Reader(get_engine(args.engine) if args.rasterise else None)
    tp = fp = fn = exact = pages_total = 0
    split_s = 0.0
    batches = []
    for b in range(args.batches):
        rng = random.Random(args.seed * 1000 + b)
        chosen = rng.sample(paths, rng.randint(2, 5))
        data, starts = concatenate(chosen)
        raws = load_bytes(data).pages
        owners: list[tuple[str, int]] = []
        for path, start, nxt in zip(chosen, starts, [*starts[1:], len(raws)], strict=True):
            owners += [(str(path), i - start) for i in range(start, nxt)]
        pages = [reader.read(raw, owners[raw.index]) for raw in raws]
        if args.no_markers:
            pages = [without_markers(page) for page in pages]
        t0 = time.perf_counter()
        ranges = split_invoices(pages)
        split_s += time.perf_counter() - t0
        parts = write_parts(data, ranges)
        counted = sum(len(pdfium.PdfDocument(p)) for p in parts)
        if counted != len(raws):
            raise SystemExit(f"batch {b}: parts hold {counted} of {len(raws)} pages")
        truth = set(starts[1:])
        found = {r.start for r in ranges[1:]}
        tp += len(truth & found)
        fp += len(found - truth)
        fn += len(truth - found)
        exact += truth == found
        pages_total += len(raws)
        batches.append(
            {
                "files": [p.name for p in chosen],
                "pages": len(raws),
                "true_starts": sorted(truth),
                "found_starts": sorted(found),
                "reasons": {r.label: r.reason for r in ranges},
            }
        )
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "mode": (f"ocr ({args.engine})" if args.rasterise else "pdf text layer")
        + (", page markers removed" if args.no_markers else ""),
        "batches": args.batches,
        "seed": args.seed,
        "source_pdfs": len(paths),
        "pages": pages_total,
        "boundaries": tp + fn,
        "boundary_precision": round(precision, 4),
        "boundary_recall": round(recall, 4),
        "exact_batch_rate": round(exact / max(args.batches, 1), 4),
        "read_s_per_page": round(reader.seconds / max(reader.pages_read, 1), 4),
        "split_s_per_page": round(split_s / max(pages_total, 1), 5),
        "machine": f"{platform.machine()} {platform.processor() or platform.system()}",
        "errors": [b for b in batches if b["true_starts"] != b["found_starts"]],
    }


def table(result: dict[str, Any]) -> str:
    keys = (
        "mode", "batches", "pages", "boundaries", "boundary_precision", "boundary_recall",
        "exact_batch_rate", "read_s_per_page", "split_s_per_page",
    )  # fmt: skip
    lines = [f"{k:<20} {result[k]}" for k in keys]
    for err in result["errors"]:
        lines.append(
            f"  miss: true {err['true_starts']} found {err['found_starts']} {err['files']}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="Write the result as JSON here.")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rasterise", action="store_true", help="Drop the text layer: OCR.")
    parser.add_argument("--engine", default="rapid", help="OCR engine with --rasterise.")
    parser.add_argument(
        "--no-markers", action="store_true", help="Drop 'page n of N' lines before splitting."
    )
    parser.add_argument(
        "--sources",
        type=Path,
        nargs="+",
        default=list(SOURCES),
        help="Folders of invoice PDFs to draw from (default: the shared ones).",
    )
    args = parser.parse_args()
    result = run(args)
    print(table(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
