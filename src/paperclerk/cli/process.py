"""`paperclerk process` and `paperclerk submit`: documents in, JSON out.

`process` runs the pipeline here, on local files; `submit` sends files to a running service.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from paperclerk.cli.common import console, progress_bar
from paperclerk.errors import PaperclerkError

SUPPORTED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"}


def _expand(inputs: list[Path]) -> list[Path]:
    """Return the files of INPUTS: each file as given, each folder's supported files, sorted."""
    files: list[Path] = []
    for p in inputs:
        if p.is_dir():
            files.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                )
            )
        else:
            files.append(p)
    return files


def process(
    inputs: Annotated[list[Path], typer.Argument(help="Files or folders to process.")],
    out: Annotated[Path | None, typer.Option(help="Write one JSON per input here.")] = None,
    engine: Annotated[str, typer.Option(help="OCR engine: rapid or tesseract.")] = "rapid",
) -> None:
    """Process documents into JSON: one file per input in --out, or JSON lines on stdout."""
    from paperclerk.engines.registry import get_engine
    from paperclerk.pipeline.run import process_path

    files = _expand(inputs)
    if not files:
        console.print("[red]no input files found[/red]")
        raise typer.Exit(2)
    try:
        ocr = get_engine(engine)
    except PaperclerkError as exc:
        console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(exc.exit_code) from exc
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    failures = 0
    exit_code = 0
    with progress_bar() as progress:
        task = progress.add_task("processing", total=len(files), current="")
        for path in files:
            progress.update(task, current=path.name)
            try:
                doc = process_path(path, engine=ocr)
            except PaperclerkError as exc:
                failures += 1
                exit_code = exit_code or exc.exit_code
                console.print(f"[red]{path}[/red]: {exc.code}: {exc.message}")
                progress.advance(task)
                continue
            body = doc.model_dump_json(indent=2)
            if out is not None:
                (out / f"{path.stem}.json").write_text(body + "\n", encoding="utf-8")
            else:
                typer.echo(doc.model_dump_json())
            summary = ", ".join(f"{k}={doc.fields[k].value}" for k in list(doc.fields)[:4])
            console.print(f"[green]{path.name}[/green] {doc.doc_type.value}: {summary}")
            progress.advance(task)
    if failures:
        console.print(f"[red]{failures} of {len(files)} inputs failed[/red]")
        raise typer.Exit(exit_code)


def submit(
    files: Annotated[list[Path], typer.Argument(help="Documents to submit.")],
    url: Annotated[str, typer.Option(help="Service URL.")] = "http://127.0.0.1:8000",
    key: Annotated[str | None, typer.Option(help="API key (or PAPERCLERK_API_KEY).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for and print the results.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait per document.")] = 120.0,
) -> None:
    """Submit documents to a running service; print one JSON line per document."""
    from paperclerk.client import Client, ClientError

    api_key = key or os.environ.get("PAPERCLERK_API_KEY")
    if not api_key:
        console.print("[red]give --key or set PAPERCLERK_API_KEY[/red]")
        raise typer.Exit(2)
    failures = 0
    with Client(url, api_key) as client:
        for path in files:
            try:
                doc = client.submit(path)
                if wait:
                    doc = client.wait(doc["id"], timeout)
            except (ClientError, OSError) as exc:
                failures += 1
                print(json.dumps({"file": str(path), "error": str(exc)}))
                continue
            print(json.dumps({"file": str(path), **doc}, default=str))
    raise typer.Exit(1 if failures else 0)
