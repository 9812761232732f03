"""`paperclerk process` and `paperclerk submit`: documents in, JSON out.

`process` runs the pipeline here, on local files; `submit` sends files to a running service.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from paperclerk.cli.common import console, progress_bar
from paperclerk.errors import PaperclerkError

SUPPORTED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".xml"}
SKIPPED_EXIT = 3
"""Exit code when files of a folder were skipped: the same as for a refused input."""
_LISTED = 20


@dataclass(frozen=True)
class _Inputs:
    """The files to process, each with its output name, and the files of folders skipped."""

    files: list[tuple[Path, Path]]
    skipped: list[Path]


def _expand(inputs: list[Path]) -> _Inputs:
    """Return the files of INPUTS with their output names, and what the folders held besides.

    A file given by name is taken whatever its extension (it is recognised by its bytes)
    and named `<name>.json`; a folder's files with a supported extension are taken, sorted,
    and named by their path inside it (`sub/scan.pdf` → `sub/scan.pdf.json`). Its other
    files are skipped, except hidden ones (`.DS_Store`, `.~lock…`), which are ignored.
    """
    files: list[tuple[Path, Path]] = []
    skipped: list[Path] = []
    for p in inputs:
        if not p.is_dir():
            files.append((p, Path(f"{p.name}.json")))
            continue
        for f in sorted(f for f in p.rglob("*") if f.is_file()):
            relative = f.relative_to(p)
            if any(part.startswith(".") for part in relative.parts):
                continue
            if f.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append((f, relative.with_name(f"{f.name}.json")))
            else:
                skipped.append(f)
    return _Inputs(files, skipped)


def _clashes(files: list[tuple[Path, Path]]) -> list[str]:
    """Return a line for each output name two inputs of one run would share."""
    first: dict[Path, Path] = {}
    lines: list[str] = []
    for path, name in files:
        if name in first:
            lines.append(f"{first[name]} and {path} would both be written to {name}")
        else:
            first[name] = path
    return lines


def _listed(paths: list[Path]) -> str:
    """Return the paths as one comma-separated line, the first `_LISTED` of them."""
    shown = ", ".join(str(p) for p in paths[:_LISTED])
    return shown + (f" and {len(paths) - _LISTED} more" if len(paths) > _LISTED else "")


def process(
    inputs: Annotated[list[Path], typer.Argument(help="Files or folders to process.")],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write one JSON per input here, named after the input with its extension: "
            "FILE as FILE.json, and a folder's files by their path inside it "
            "(DIR/sub/a.pdf as OUT/sub/a.pdf.json). Two inputs that would get one name are "
            "refused before anything is read (exit 2); a file of an earlier run is replaced."
        ),
    ] = None,
    engine: Annotated[str, typer.Option(help="OCR engine: rapid or tesseract.")] = "rapid",
) -> None:
    """Process documents into JSON: one file per input in --out, or JSON lines on stdout.

    In folders, files with other extensions than .pdf, .jpg, .jpeg, .png, .tif, .tiff and
    .webp are skipped and listed at the end, and the exit code is then 3 (as for a refused
    input) once the rest is processed; hidden files are ignored. Files named one by one are
    recognised by their bytes whatever their extension.
    """
    from paperclerk.engines.registry import get_engine
    from paperclerk.pipeline.run import process_path

    found = _expand(inputs)
    files = found.files
    if not files and not found.skipped:
        console.print("[red]no input files found[/red]")
        raise typer.Exit(2)
    clashes = _clashes(files) if out is not None else []
    if clashes:
        for line in clashes:
            console.print(f"[red]{line}[/red]", highlight=False, soft_wrap=True)
        console.print("[red]nothing processed: give these inputs in separate runs[/red]")
        raise typer.Exit(2)
    try:
        ocr = get_engine(engine) if files else None
    except PaperclerkError as exc:
        console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(exc.exit_code) from exc
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    failures = 0
    exit_code = 0
    with progress_bar() as progress:
        task = progress.add_task("processing", total=len(files), current="")
        for path, name in files:
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
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(body + "\n", encoding="utf-8")
            else:
                typer.echo(doc.model_dump_json())
            summary = ", ".join(f"{k}={doc.fields[k].value}" for k in list(doc.fields)[:4])
            console.print(f"[green]{path.name}[/green] {doc.doc_type.value}: {summary}")
            progress.advance(task)
    if found.skipped:
        console.print(
            f"[yellow]skipped {len(found.skipped)} file(s) with an unsupported extension: "
            f"{_listed(found.skipped)}[/yellow]",
            highlight=False,
            soft_wrap=True,
        )
        exit_code = exit_code or SKIPPED_EXIT
    if failures:
        console.print(f"[red]{failures} of {len(files)} inputs failed[/red]")
    if exit_code:
        raise typer.Exit(exit_code)


def submit(
    files: Annotated[list[Path], typer.Argument(help="Documents to submit.")],
    url: Annotated[str, typer.Option(help="Service URL.")] = "http://127.0.0.1:8000",
    key: Annotated[str | None, typer.Option(help="API key (or PAPERCLERK_API_KEY).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for and print the results.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait per document.")] = 120.0,
) -> None:
    """Submit documents to a running service; print one JSON line per document.

    Exit codes: 0 all accepted, 1 some refused by the service (each has an `error` line),
    2 no API key, 5 the service cannot be reached (one line on stderr, nothing more sent).
    """
    from paperclerk.client import Client, ClientError
    from paperclerk.errors import ServiceUnreachableError

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
            except ServiceUnreachableError as exc:
                console.print(f"error {exc.code}: {exc.message}", highlight=False, soft_wrap=True)
                raise typer.Exit(exc.exit_code) from None
            except (ClientError, OSError) as exc:
                failures += 1
                print(json.dumps({"file": str(path), "error": str(exc)}))
                continue
            print(json.dumps({"file": str(path), **doc}, default=str))
    raise typer.Exit(1 if failures else 0)
