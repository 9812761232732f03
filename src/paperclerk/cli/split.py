"""`paperclerk split`: cut a batch PDF of several invoices into one PDF per invoice.

The pages are read like `process` reads them (text layer, else preprocessing and OCR, with a
progress bar), `pipeline.split.split_invoices` decides where each invoice starts, and each
part is written as `<stem>-part<n>.pdf` with its pages copied from the batch untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from paperclerk.cli.common import console, progress_bar
from paperclerk.errors import InputError, PaperclerkError


def split(
    file: Annotated[Path, typer.Argument(help="The batch PDF to split.")],
    outdir: Annotated[Path, typer.Argument(help="Folder for the parts (created if missing).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the parts as one JSON object on stdout.")
    ] = False,
    engine: Annotated[str, typer.Option(help="OCR engine for scanned pages.")] = "rapid",
) -> None:
    """Split a batch PDF into one PDF per invoice, decided from the pages' content.

    Writes OUTDIR/<stem>-part1.pdf, -part2.pdf… (a part of an earlier run is replaced) and
    prints each part's pages with the reasons it starts there. Exit codes: 0 done, 3 the
    input is refused (not a PDF, damaged, encrypted, over a limit), 4 no OCR engine.
    """
    try:
        parts = _split(file, outdir, engine)
    except PaperclerkError as exc:
        console.print(f"[red]error[/red] {exc.code}: {exc.message}", highlight=False)
        raise typer.Exit(exc.exit_code) from exc
    if as_json:
        typer.echo(json.dumps({"file": str(file), "parts": parts}, indent=2))
        return
    for part in parts:
        pages = part["pages"]
        span = f"{pages[0]}" if len(pages) == 1 else f"{pages[0]}-{pages[-1]}"
        console.print(
            f"[green]{part['file']}[/green] pages {span} (score {part['score']:.2f}): "
            f"{'; '.join(part['reasons'])}",
            highlight=False,
            soft_wrap=True,
        )


def _split(file: Path, outdir: Path, engine_name: str) -> list[dict[str, Any]]:
    """Read, split and write the parts of `file`; return one summary per part."""
    from paperclerk.engines.registry import get_engine
    from paperclerk.ingest import load_path
    from paperclerk.ingest.sniff import PDF
    from paperclerk.pipeline.split import split_invoices
    from paperclerk.pipeline.split_pdf import read_pages, write_parts

    ingested = load_path(file)
    if ingested.media_type != PDF:
        raise InputError(f"{file} is {ingested.media_type}; only a PDF batch can be split.")
    with progress_bar() as progress:
        task = progress.add_task("reading", total=len(ingested.pages), current=file.name)
        pages = read_pages(
            ingested, lambda: get_engine(engine_name), lambda _: progress.advance(task)
        )
    ranges = split_invoices(pages)
    blobs = write_parts(file.read_bytes(), ranges)
    outdir.mkdir(parents=True, exist_ok=True)
    out = []
    for n, (r, blob) in enumerate(zip(ranges, blobs, strict=True), start=1):
        target = outdir / f"{file.stem}-part{n}.pdf"
        target.write_bytes(blob)
        out.append(
            {
                "file": str(target),
                "pages": [i + 1 for i in r.pages],
                "score": r.score,
                "reasons": list(r.reasons),
            }
        )
    return out
