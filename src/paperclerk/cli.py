"""The paperclerk command line: process documents and evaluate accuracy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from paperclerk.cli_campaign import campaign_app, eval_duplicates
from paperclerk.cli_service import admin_app, serve, submit, worker
from paperclerk.cli_train import models_app, progress_bar, train_app
from paperclerk.errors import PaperclerkError
from paperclerk.evaluation.report import print_scoreboard

app = typer.Typer(help="paperclerk: document in, typed and checked JSON out.", no_args_is_help=True)
eval_app = typer.Typer(help="Measure accuracy on labelled document sets.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(models_app, name="models")
app.add_typer(admin_app, name="admin")
app.add_typer(campaign_app, name="campaign")
eval_app.command("duplicates")(eval_duplicates)
app.command("serve")(serve)
app.command("worker")(worker)
app.command("submit")(submit)
console = Console(stderr=True)

SUPPORTED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"}


def _expand(inputs: list[Path]) -> list[Path]:
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


@app.command()
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


@eval_app.command("sroie")
def eval_sroie(
    root: Annotated[Path, typer.Argument(help="Folder with img/, box/ and key/.")],
    given_ocr: Annotated[
        bool, typer.Option("--given-ocr", help="Use box/ words, not OCR.")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N receipts.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write figures as JSON.")] = None,
    engine: Annotated[str, typer.Option(help="OCR engine: rapid or tesseract.")] = "rapid",
    model: Annotated[
        str | None,
        typer.Option(
            help="Receipt model: 'live' (default), 'default' (packaged), 'rules', a registry"
            " id or a model folder."
        ),
    ] = None,
    split: Annotated[
        str, typer.Option(help="'all' receipts, or only the held-back 'validation' split.")
    ] = "all",
    registry_dir: Annotated[
        Path | None, typer.Option("--registry", help="Model registry folder.")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(help="OCR worker processes (one thread each); 0 = one per core."),
    ] = 0,
) -> None:
    """Score receipts on company, address, date and total (SROIE protocol)."""
    from paperclerk.engines.registry import get_engine
    from paperclerk.evaluation.sroie import evaluate_sroie, iter_samples
    from paperclerk.learning.dataset import in_validation
    from paperclerk.learning.loader import receipt_extractor
    from paperclerk.pipeline.parallel import WorkerSetup, default_workers

    if split not in ("all", "validation"):
        console.print("[red]--split is 'all' or 'validation'[/red]")
        raise typer.Exit(2)
    try:
        extractor = receipt_extractor(model, registry_dir)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc

    if not (root / "key").is_dir():
        console.print(f"[red]{root} has no key/ folder (expected the SROIE layout)[/red]")
        raise typer.Exit(2)
    total = sum(
        1 for s in iter_samples(root, limit) if split == "all" or in_validation(f"sroie/{s.id}")
    )
    ocr = None if given_ocr else get_engine(engine)
    with progress_bar() as progress:
        task = progress.add_task("eval sroie", total=total, current="")
        board = evaluate_sroie(
            root,
            given_ocr=given_ocr,
            limit=limit,
            engine=ocr,
            on_progress=lambda sid: progress.update(task, advance=1, current=sid),
            extractor=extractor,
            validation_only=split == "validation",
            workers=workers or default_workers(),
            setup=WorkerSetup(engine, 1, model, registry_dir),
        )
    mode = "given OCR" if given_ocr else f"end to end ({engine})"
    print_scoreboard(board, f"SROIE {mode}, {split}, model {extractor.version}")
    if json_out is not None:
        json_out.write_text(json.dumps(board.to_json(), indent=2) + "\n", encoding="utf-8")


@eval_app.command("invoices")
def eval_invoices(
    root: Annotated[Path, typer.Argument(help="invoice2data folder (with compare/).")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write figures as JSON.")] = None,
    engine: Annotated[str, typer.Option(help="OCR engine for scanned pages.")] = "rapid",
) -> None:
    """Score invoices on issuer, total, date, invoice number and currency."""
    from paperclerk.engines.registry import get_engine
    from paperclerk.evaluation.invoices import evaluate_invoices
    from paperclerk.learning.invoice2data_format import iter_invoice_samples

    samples = list(iter_invoice_samples(root))
    if not samples:
        console.print(f"[red]{root} holds no compare/*.json with a PDF or PNG beside it[/red]")
        raise typer.Exit(2)
    with progress_bar() as progress:
        task = progress.add_task("eval invoices", total=len(samples), current="")
        board = evaluate_invoices(
            samples,
            engine=get_engine(engine),
            on_progress=lambda sid: progress.update(task, advance=1, current=sid),
        )
    print_scoreboard(board, "invoice2data")
    if json_out is not None:
        json_out.write_text(json.dumps(board.to_json(), indent=2) + "\n", encoding="utf-8")


@eval_app.command("types")
def eval_types(
    root: Annotated[
        Path, typer.Argument(help="Folder with one sub-folder per expected type (receipt/ …).")
    ],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write figures as JSON.")] = None,
    engine: Annotated[str, typer.Option(help="OCR engine: rapid or tesseract.")] = "rapid",
) -> None:
    """Measure document types: accuracy, per-type precision/recall, confusion matrix.

    Every file under DIR/<type>/ runs through the whole pipeline with no type hint; also
    counts documents auto-approved although their type has no extractor or nothing was read.
    """
    from rich.table import Table

    from paperclerk.engines.registry import get_engine
    from paperclerk.evaluation.types import UnknownTypeFolderError, evaluate_types, find_documents
    from paperclerk.settings import get_settings

    try:
        total = len(find_documents(root))
    except (UnknownTypeFolderError, FileNotFoundError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if not total:
        console.print(f"[red]{root} holds no documents in type sub-folders[/red]")
        raise typer.Exit(2)
    with progress_bar() as progress:
        task = progress.add_task("eval types", total=total, current="")
        result = evaluate_types(
            root,
            engine=get_engine(engine, get_settings().ocr_threads),
            on_progress=lambda name: progress.update(task, advance=1, current=name),
        )
    table = Table(title=f"document types, {total} documents")
    for col in ("type", "precision", "recall", "support"):
        table.add_column(col, justify="right")
    for name, row in result["per_class"].items():
        table.add_row(name, f"{row['precision']:.3f}", f"{row['recall']:.3f}", str(row["support"]))
    Console().print(table)
    matrix = Table(title="confusion (rows: expected, columns: predicted)")
    columns = sorted({p for row in result["confusion_matrix"].values() for p in row})
    matrix.add_column("expected")
    for col in columns:
        matrix.add_column(col, justify="right")
    for name, row in result["confusion_matrix"].items():
        matrix.add_row(name, *(str(row.get(col, "")) for col in columns))
    Console().print(matrix)
    auto = Table(title="automation by expected type")
    for col in ("type", "documents", "auto-approved", "rate", "top reason for review"):
        auto.add_column(col, justify="left" if col.startswith("t") else "right")
    for name, row in result["automation_by_type"].items():
        top = next(iter(row["top_review_reasons"]), "")
        auto.add_row(
            name, str(row["documents"]), str(row["auto_approved"]),
            f"{row['automation_rate']:.3f}", top,
        )  # fmt: skip
    Console().print(auto)
    Console().print(
        f"accuracy {result['accuracy']:.4f}; auto-approved unreadable"
        f" {result['auto_approved_unreadable']}; ingest errors {len(result['errors'])};"
        f" {result['seconds_per_doc']:.2f} s per document"
    )
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    """Entry point for `python -m paperclerk`."""
    app()
