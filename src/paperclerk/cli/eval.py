"""`paperclerk eval …`: every accuracy measurement on labelled document sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from paperclerk.cli.common import RegistryOption, console, progress_bar
from paperclerk.evaluation.report import print_scoreboard

eval_app = typer.Typer(help="Measure accuracy on labelled document sets.", no_args_is_help=True)


@eval_app.command("duplicates")
def eval_duplicates(
    root: Annotated[Path, typer.Argument(help="Folder of receipt images (or with img/).")],
    seed: Annotated[int, typer.Option(help="Fixes the set and every transformation.")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write figures as JSON.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N receipts.")] = None,
    ocr: Annotated[
        bool, typer.Option("--ocr/--no-ocr", help="Read each image (content layers) or not.")
    ] = True,
    workers: Annotated[int, typer.Option(help="OCR worker processes; 0 = one per core.")] = 0,
    model: Annotated[
        str | None,
        typer.Option(help="Receipt model: 'live' (default), 'default', 'rules' or a registry id."),
    ] = None,
    split: Annotated[
        str, typer.Option(help="'all' receipts, or only the held-back 'validation' split.")
    ] = "all",
    tamper: Annotated[
        bool,
        typer.Option("--tamper/--no-tamper", help="Also edit totals and count those not approved."),
    ] = True,
) -> None:
    """Measure duplicate detection on simulated re-photos, and edited totals (tamper_caught).

    Precision and recall are over pairs of images of one receipt. With OCR, every receipt's
    total is also painted over (alone, and with the cash line to match), each edit decided
    by an open campaign: `tamper_caught` is the share of edits not approved.
    """
    from paperclerk.datasets.dataset import in_validation
    from paperclerk.evaluation.duplicates import (
        build_set,
        evaluate_duplicates,
        read_all,
        receipt_images,
    )
    from paperclerk.evaluation.parallel import default_workers

    if not root.is_dir():
        console.print(f"[red]{root} is not a folder[/red]")
        raise typer.Exit(2)
    if split not in ("all", "validation"):
        console.print("[red]--split is 'all' or 'validation'[/red]")
        raise typer.Exit(2)
    paths = [p for p in receipt_images(root) if split == "all" or in_validation(f"sroie/{p.stem}")][
        :limit
    ]
    if len(paths) < 2:
        console.print(f"[red]{root} holds fewer than two receipt images[/red]")
        raise typer.Exit(2)
    items = build_set(paths, seed)
    with progress_bar() as progress:
        docs = None
        if ocr:
            reading = progress.add_task("reading", total=len(items), current="")
            docs = read_all(
                items,
                workers or default_workers(),
                lambda name: progress.update(reading, advance=1, current=name),
                model,
            )
        task = progress.add_task("eval duplicates", total=len(items), current="")
        report = evaluate_duplicates(
            items,
            on_progress=lambda name: progress.update(task, advance=1, current=name),
            documents=docs,
        )
    table = Table(title=f"duplicates: {report.receipts} receipts, {report.images} images")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in (
        ("precision", f"{report.precision:.4f}"),
        ("recall", f"{report.recall:.4f}"),
        ("true pairs", str(report.true_pairs)),
        ("predicted pairs", str(report.predicted_pairs)),
        ("correct pairs", str(report.correct_pairs)),
        ("errors", str(len(report.errors))),
    ):
        table.add_row(key, value)
    Console().print(table)
    figures = report.to_json()
    if ocr and tamper:
        figures |= _eval_tamper(paths, seed, workers or default_workers(), model)
    if json_out is not None:
        json_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def _eval_tamper(paths: list[Path], seed: int, workers: int, model: str | None) -> dict[str, Any]:
    """Edit every receipt's total, read and decide the edits; print and return the figures."""
    from paperclerk.evaluation.tamper import evaluate_tamper

    with progress_bar() as progress:
        task = progress.add_task("eval tamper", total=3 * len(paths), current="")
        report = evaluate_tamper(
            paths,
            seed,
            workers,
            model,
            on_progress=lambda name: progress.update(task, advance=1, current=name),
        )
    table = Table(title=f"edited totals: {report.receipts} receipts, {report.edits} edits")
    table.add_column("claims")
    for name in (
        "submitted",
        "approved",
        "not approved",
        "flagged",
        "read as edited",
        "paid as edited",
    ):
        table.add_column(name, justify="right")
    groups = [(f"edit: {k}", t) for k, t in report.alone.items()]
    groups += [("edit after its original", report.after_original)]
    groups += [("untouched originals", report.originals)]
    for label, tally in groups:
        share = tally.to_json()["not_approved_share"]
        table.add_row(
            label,
            str(tally.submitted),
            str(tally.approved),
            "" if share is None else f"{share:.3f}",
            str(tally.flagged),
            str(tally.read_as_edited),
            str(tally.paid_as_edited),
        )
    Console().print(table)
    console.print(
        f"tamper_caught {report.tamper_caught:.4f} ({report.skipped} receipts had no total"
        f" row to edit); with confirm_total {report.tamper_caught_confirm_total:.4f}"
    )
    data = report.to_json()
    return {"tamper_caught": data.pop("tamper_caught"), "tamper": data}


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
    from paperclerk.datasets.dataset import in_validation
    from paperclerk.engines.registry import get_engine
    from paperclerk.evaluation.parallel import WorkerSetup, default_workers
    from paperclerk.evaluation.sroie import evaluate_sroie, iter_samples
    from paperclerk.learning.loader import receipt_extractor

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
    root: Annotated[
        Path,
        typer.Argument(
            help="invoice2data folder (with compare/), or an e-invoice folder: <id>.pdf|xml "
            "beside <id>.gt.json (searched recursively)."
        ),
    ],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write figures as JSON.")] = None,
    engine: Annotated[str, typer.Option(help="OCR engine for scanned pages.")] = "rapid",
    visual: Annotated[
        bool, typer.Option("--visual", help="E-invoices: ignore the XML; read the PDF's text.")
    ] = False,
    rasterise: Annotated[
        bool, typer.Option("--rasterise", help="E-invoices: OCR the rendered pages only.")
    ] = False,
) -> None:
    """Score invoices: invoice2data's five header fields, or an e-invoice folder's twelve.

    An e-invoice folder is read from its XML by default (an .xml, or a PDF's Factur-X XML);
    `--visual` reads the PDF as a picture with text layer, `--rasterise` by OCR only.
    """
    from paperclerk.datasets.invoice2data_format import iter_invoice_samples
    from paperclerk.engines.registry import get_engine
    from paperclerk.evaluation.invoices import (
        evaluate_e_invoices,
        evaluate_invoices,
        iter_e_invoice_samples,
    )

    e_samples = iter_e_invoice_samples(root) if root.is_dir() else []
    if e_samples:
        reads_pages = visual or rasterise or any(s.path.suffix == ".pdf" for s in e_samples)
        ocr = get_engine(engine) if reads_pages else None
        mode = "rasterised (OCR)" if rasterise else "visual" if visual else "XML"
        with progress_bar() as progress:
            task = progress.add_task("eval e-invoices", total=len(e_samples), current="")
            board = evaluate_e_invoices(
                e_samples,
                engine=ocr,
                visual=visual,
                rasterise=rasterise,
                on_progress=lambda sid: progress.update(task, advance=1, current=sid),
            )
        print_scoreboard(board, f"e-invoices, {mode}")
        if json_out is not None:
            json_out.write_text(json.dumps(board.to_json(), indent=2) + "\n", encoding="utf-8")
        return
    samples = list(iter_invoice_samples(root))
    if not samples:
        console.print(
            f"[red]{root} holds no compare/*.json with a PDF or PNG beside it, "
            "nor <id>.gt.json with a PDF or XML[/red]"
        )
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


@eval_app.command("mrz")
def eval_mrz(
    root: Annotated[Path, typer.Argument(help="Folder of passport, card and visa images.")],
    truth: Annotated[
        Path | None,
        typer.Option(help="Truth file (default DIR/ground_truth.json)."),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write figures as JSON.")] = None,
) -> None:
    """Measure the MRZ reader: exact documents and lines, invalid MRZs flagged, false repairs.

    The truth file's `records` hold `{"image": path relative to DIR, "mrz": the lines joined
    by a newline, or null, "valid": false for a deliberately broken MRZ (optional)}`.
    """
    from paperclerk.engines.base import LineEngine
    from paperclerk.engines.registry import get_engine
    from paperclerk.evaluation.mrz import evaluate_mrz, load_truth
    from paperclerk.settings import get_settings

    truth_file = truth or root / "ground_truth.json"
    try:
        records = load_truth(truth_file)
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot read the truth file: {exc}[/red]")
        raise typer.Exit(2) from exc
    engine = get_engine("rapid", get_settings().ocr_threads)
    if not isinstance(engine, LineEngine):  # pragma: no cover - rapid always is one
        raise typer.Exit(2)
    with progress_bar() as progress:
        task = progress.add_task("eval mrz", total=len(records), current="")
        result = evaluate_mrz(
            root,
            records,
            engine,
            on_record=lambda r: progress.update(task, advance=1, current=r.image),
        )
    table = Table(title=f"MRZ, {len(records)} images ({truth_file})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in (
        "exact_documents", "exact_lines", "invalid_flagged", "false_repairs", "repairs",
        "not_found", "false_positives", "seconds_per_image", "seconds_per_image_mean",
    ):  # fmt: skip
        value = result[key]
        table.add_row(key, "n/a" if value is None else str(value))
    Console().print(table)
    for rec in result["records"]:
        if rec["truth"] and not rec["exact"]:
            console.print(f"[yellow]{rec['image']}[/yellow] read {rec['read']!r}")
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


@eval_app.command("proof")
def eval_proof(
    root: Annotated[
        Path, typer.Argument(help="Folder of <id>.png|jpg|pdf documents with <id>.gt.json.")
    ],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write figures as JSON.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N documents.")] = None,
) -> None:
    """Measure payslip, bank statement and utility bill extraction, field by field.

    Each `<id>.gt.json` holds `{"doc_type", "fields": {...}, "transactions": [{"date",
    "amount"}], "continuity_broken": bool}` (ISO dates, plain amounts).
    """
    from paperclerk.engines.registry import get_engine
    from paperclerk.evaluation.proof import evaluate_proof, load_proof_set
    from paperclerk.settings import get_settings

    try:
        records = load_proof_set(root)[:limit]
    except (OSError, ValueError, KeyError) as exc:
        console.print(f"[red]cannot read the set: {exc}[/red]")
        raise typer.Exit(2) from exc
    if not records:
        console.print(f"[red]no <id>.gt.json with a document beside it in {root}[/red]")
        raise typer.Exit(2)
    engine = get_engine("rapid", get_settings().ocr_threads)
    with progress_bar() as progress:
        task = progress.add_task("eval proof", total=len(records), current="")
        result = evaluate_proof(
            records,
            engine,
            on_record=lambda r: progress.update(task, advance=1, current=r.path.name),
        )
    table = Table(title=f"Proof documents, {len(records)} in {root}")
    for col in ("type", "field", "accuracy", "n"):
        table.add_column(col, justify="left" if col in ("type", "field") else "right")
    for type_name, figures in result["types"].items():
        for name, cell in figures["fields"].items():
            table.add_row(type_name, name, f"{cell['accuracy']:.3f}", str(cell["n"]))
        table.add_row(type_name, "[b]all fields[/b]", f"{figures['fields_accuracy']:.3f}", "")
    Console().print(table)
    for key in (
        "fields_accuracy", "doc_type_accuracy", "transactions_f1", "continuity_flag_rate",
        "continuity_false_alarm_rate", "seconds_per_doc",
    ):  # fmt: skip
        value = result[key]
        console.print(f"{key}: {'n/a' if value is None else value}")
    for err in result["errors"]:
        console.print(f"[red]{err}[/red]")
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


@eval_app.command("fields")
def eval_fields(
    type_name: Annotated[str, typer.Argument(metavar="TYPE", help="The document type's name.")],
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="Documents with <id>.labels.json beside each.")
    ],
    registry_dir: RegistryOption = None,
    model: Annotated[
        str | None, typer.Option(help="A stored model id (default: the type's live one).")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write figures as JSON.")] = None,
) -> None:
    """Score your own document type's extractor on labelled documents (micro-F1 per field).

    Values compare after normalising case and spacing; dates as calendar days, amounts to
    the cent.
    """
    from paperclerk.datasets.labelled_folder import labelled_files
    from paperclerk.engines.registry import get_engine
    from paperclerk.errors import InputError
    from paperclerk.evaluation.fields import evaluate_fields
    from paperclerk.learning.custom_fields import CustomFieldModel
    from paperclerk.learning.custom_training import live_model, load_labelled
    from paperclerk.learning.registry import Registry
    from paperclerk.learning.user_types import MODEL_FILE
    from paperclerk.settings import get_settings

    settings = get_settings()
    registry = Registry(registry_dir or settings.registry_dir)
    if model is not None:
        path = registry.folder(model) / MODEL_FILE
        chosen = CustomFieldModel.load(path) if path.exists() else None
    else:
        chosen = live_model(registry, type_name)
    if chosen is None or chosen.spec.name != type_name:
        console.print(f"[red]no {type_name} model in {registry.root}: "
                      f"run paperclerk train fields {type_name} DIR first[/red]")  # fmt: skip
        raise typer.Exit(2)
    try:
        files = labelled_files(folder)
    except InputError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    engine = get_engine(settings.ocr_engine, settings.ocr_threads)
    with progress_bar() as progress:
        task = progress.add_task(f"eval {type_name}", total=len(files), current="")
        documents = load_labelled(files, engine, settings.cache_dir)
        board = evaluate_fields(
            chosen, documents, lambda i: progress.update(task, advance=1, current=i)
        )
    print_scoreboard(board, f"{type_name} fields")
    if json_out is not None:
        json_out.write_text(json.dumps(board.to_json(), indent=2) + "\n", encoding="utf-8")
