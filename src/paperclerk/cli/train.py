"""`paperclerk train …`: train, measure and register models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from paperclerk.cli.common import RegistryOption, console, login_name, progress_bar

train_app = typer.Typer(help="Train models and store them in the registry.", no_args_is_help=True)


def _print_measurement(title: str, figures: dict[str, object]) -> None:
    """Print a receipt model's validation figures: accuracy, reliability, automation curve."""
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    fields = figures.get("fields", {})
    assert isinstance(fields, dict)
    for name, value in fields.items():
        table.add_row(f"accuracy {name}", f"{value:.3f}")
    for key in ("micro_f1", "automation_rate", "auto_field_error"):
        table.add_row(key, f"{figures.get(key, 0.0):.3f}")
    console.print(table)
    rel = Table(title="reliability (validation)")
    for col in ("confidence ≥", "fields", "error", "promised error"):
        rel.add_column(col, justify="right")
    reliability = figures.get("reliability", [])
    assert isinstance(reliability, list)
    for row in reliability:
        rel.add_row(
            f"{row['confidence_at_least']:.2f}",
            str(row["fields"]),
            f"{row['error']:.3f}",
            f"≤ {row['promised_error']:.3f}",
        )
    console.print(rel)
    curve = figures.get("automation_by_error", [])
    assert isinstance(curve, list)
    if curve:
        auto = Table(title="automation by error bound (thresholds from training, validation)")
        for col in ("field error ≤", "auto-approved", "measured error"):
            auto.add_column(col, justify="right")
        for row in curve:
            auto.add_row(
                f"{row['max_field_error']:.2f}",
                f"{row['automation_rate']:.3f}",
                f"{row['auto_field_error']:.3f}",
            )
        console.print(auto)


@train_app.command("receipts")
def train_receipts_cmd(
    sroie: Annotated[Path, typer.Argument(help="SROIE-layout folder (img/, box/, key/).")],
    corrections: Annotated[
        Path | None, typer.Option(help="JSON-lines training examples from review.")
    ] = None,
    registry_dir: RegistryOption = None,
    release: Annotated[
        Path | None,
        typer.Option(help="Also train on all examples and write that model to this folder."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N receipts.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the card as JSON.")] = None,
) -> None:
    """Train the receipt extractor: OCR (cached), train, calibrate, validate, register.

    Words come from OCR of img/ (so the model learns what OCR really reads) and from box/;
    a fixed quarter of the receipts (by id) is held back for validation. The new model goes
    live only if it scores at least as well as the live one on that same validation set.
    """
    from paperclerk.datasets.dataset import Dataset
    from paperclerk.datasets.importers import import_corrections, import_sroie
    from paperclerk.datasets.sroie_format import iter_samples
    from paperclerk.engines.registry import get_engine
    from paperclerk.learning.loader import receipt_extractor
    from paperclerk.learning.receipt_extractor import TrainedReceiptExtractor
    from paperclerk.learning.receipt_training import measure, store, train_receipts
    from paperclerk.learning.registry import Registry
    from paperclerk.settings import get_settings

    if not (sroie / "key").is_dir():
        console.print(f"[red]{sroie} has no key/ folder (expected the SROIE layout)[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    registry = Registry(registry_dir or settings.registry_dir)
    total = sum(1 for _ in iter_samples(sroie, limit))
    engine = get_engine(settings.ocr_engine, settings.ocr_threads)
    with progress_bar() as progress:
        task = progress.add_task("OCR (cached)", total=total, current="")
        read = import_sroie(
            sroie,
            ocr="engine",
            engine=engine,
            cache_dir=settings.cache_dir,
            limit=limit,
            on_progress=lambda sid: progress.update(task, advance=1, current=sid),
        )
    given = import_sroie(sroie, ocr="given", limit=limit)
    extra = import_corrections(corrections) if corrections else Dataset()
    train_read, valid_read = read.split()
    train_given, _ = given.split()
    train_extra, valid_extra = extra.split()
    train = Dataset([*train_read, *train_given, *train_extra])
    validation = Dataset([*valid_read, *valid_extra])
    console.print(
        f"training on {len(train)} examples ({len(train_read)} receipts × OCR and box words"
        f" + {len(train_extra)} corrections), validating on {len(validation)}"
    )
    with progress_bar() as progress:
        task = progress.add_task("train", total=6, current="")
        result = train_receipts(
            train, validation, lambda step: progress.update(task, advance=1, current=step)
        )
    live_score = None
    live = registry.live_id("receipt-extractor")
    if live:
        live_extractor = receipt_extractor(live, registry.root)
        assert isinstance(live_extractor, TrainedReceiptExtractor)
        live_score = measure(live_extractor, list(validation), live_extractor.thresholds).micro_f1
    promoted = store(result, registry, live_score, f"train-cli:{login_name()}")
    _print_measurement(f"validation of {result.card.id}", result.card.metrics)
    state = (
        "[green]live[/green]" if promoted else f"[yellow]not promoted[/yellow] ({result.card.note})"
    )
    console.print(f"stored in {registry.folder(result.card.id)}: {state}")
    if release is not None:
        with progress_bar() as progress:
            task = progress.add_task("train on all", total=6, current="")
            everything = Dataset([*read, *given, *extra])
            final = train_receipts(
                everything, None, lambda step: progress.update(task, advance=1, current=step)
            )
        final.card.metrics = {"validation_of_split_model": result.card.metrics}
        final.card.note = (
            f"trained on all {len(everything)} examples; figures from {result.card.id}"
        )
        if release.exists():
            shutil.rmtree(release)
        final.model.save(release / "model.json.gz")
        final.memory.save(release / "memory.json")
        (release / "card.json").write_text(final.card.model_dump_json(indent=2))
        console.print(f"release model written to {release}")
    if json_out is not None:
        json_out.write_text(result.card.model_dump_json(indent=2) + "\n")


@train_app.command("classifier")
def train_classifier_cmd(
    shared_data: Annotated[Path, typer.Argument(help="Folder with sroie/, invoices/, mrz/.")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write the model (default: the packaged one).")
    ] = None,
    release: Annotated[
        Path | None,
        typer.Option(help="Also train on every document and write that model to this file."),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report.")] = None,
) -> None:
    """Train the document-type classifier on the training side; report CV and validation.

    Real documents are split by id (a fixed quarter held back, as `train receipts` does);
    the model written to --out (default: the packaged one) is trained on the training side
    only, so its validation figures are on documents it has never seen. --release also
    writes a model trained on everything. Beside each `.joblib` goes its `.npz`: the fitted
    numbers workers read without scikit-learn (`learning.doctype_inference`).
    """
    from paperclerk.learning.doctype_training import train_default_doctype
    from paperclerk.learning.registry import PACKAGED

    target = out or PACKAGED / "doctype.joblib"
    with console.status("OCR (cached), cross-validation, training"):
        report = train_default_doctype(shared_data, target, release=release)
    _print_doctype_report(report)
    if json_out is not None:
        json_out.write_text(json.dumps(report, indent=2, default=str) + "\n")


def _print_doctype_report(report: dict[str, Any]) -> None:
    """Print the cross-validated and validation figures of a document-type training run."""
    cv = report["cross_validation"]
    valid = report["validation"]
    table = Table(title=f"document types: {report['model_version']}")
    for col in ("class", "CV precision", "CV recall", "valid precision", "valid recall", "n"):
        table.add_column(col, justify="right")
    for cls, row in cv["per_class"].items():
        v = valid["per_class"].get(cls, {})
        table.add_row(
            cls,
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{v['precision']:.3f}" if v else "",
            f"{v['recall']:.3f}" if v else "",
            f"{row['support']} / {v.get('support', 0)}",
        )
    console.print(table)
    floors = report["floors"]
    console.print(
        f"CV accuracy {cv['accuracy']:.4f} (real documents {cv['accuracy_real_documents']:.4f});"
        f" validation accuracy {valid['accuracy']:.4f} ({valid['documents']} documents,"
        f" {valid['accuracy_raw']:.4f} without abstaining)"
    )
    console.print(
        f"floors {floors['floor']} / {floors['synthetic_only_floor']} (suggested"
        f" {floors['suggested_floor']} / {floors['suggested_synthetic_only_floor']});"
        f" {report['trained_on']}"
    )
    if report.get("absent_sources"):
        absent = ", ".join(report["absent_sources"])
        console.print(f"[yellow]sources missing on this machine, skipped: {absent}[/yellow]")
    if "release" in report:
        console.print(f"release model written to {report['release']['model_path']}")


EXIT_BAD_FIELD = 2
"""Exit code of `train fields` given a `--field` that is not NAME=TYPE of a known type."""


def _declared(fields: list[str]) -> dict[str, Any]:
    """Parse `--field NAME=TYPE` options into value types and checks (exit 2 on a bad one)."""
    from paperclerk.learning.custom_fields import parse_value_type
    from paperclerk.learning.field_spans import ValueType

    out: dict[str, tuple[ValueType, str | None]] = {}
    for item in fields:
        name, _, kind = item.partition("=")
        try:
            out[name.strip()] = parse_value_type(kind)
        except ValueError:
            kinds = ", ".join(v.value for v in ValueType)
            console.print(
                f"[red]--field {item!r}: expected NAME=TYPE, TYPE one of {kinds} "
                "(a code with its check: code:iban, code:vatin, code:iso6346…)[/red]",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_BAD_FIELD) from None
    return out


@train_app.command("fields")
def train_fields_cmd(
    type_name: Annotated[str, typer.Argument(metavar="TYPE", help="The document type's name.")],
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="Documents with <id>.labels.json beside each.")
    ],
    registry_dir: RegistryOption = None,
    field: Annotated[
        list[str] | None,
        typer.Option(help="Declare a field's value type: NAME=text|amount|date|identifier."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the card and report as JSON.")
    ] = None,
) -> None:
    """Train an extractor for your own document type from labelled documents.

    Each `<id>.labels.json` says `{"fields": {"name": "value as printed"}}` for the document
    beside it. The type is defined from the labels when the registry does not know it
    (value type text unless declared with --field). A quarter of the documents (from 12 on)
    is held back; the new model goes live only if it scores at least as well there as the
    live one. A labelled value the trainer cannot find on its page is reported, not guessed.
    """
    from paperclerk.datasets.labelled_folder import labelled_files
    from paperclerk.engines.registry import get_engine
    from paperclerk.errors import InputError
    from paperclerk.learning.custom_training import define_type, load_labelled, train_type
    from paperclerk.learning.registry import Registry
    from paperclerk.settings import get_settings

    settings = get_settings()
    registry = Registry(registry_dir or settings.registry_dir)
    try:
        files = labelled_files(folder)
        spec = define_type(registry, type_name, files, _declared(field or []))
    except (InputError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_BAD_FIELD) from None
    if not files:
        console.print(f"[red]{folder} holds no <id>.labels.json beside a document[/red]")
        raise typer.Exit(EXIT_BAD_FIELD)
    engine = get_engine(settings.ocr_engine, settings.ocr_threads)
    with progress_bar() as progress:
        task = progress.add_task("read (OCR cached)", total=len(files), current="")
        documents = load_labelled(
            files, engine, settings.cache_dir, lambda i: progress.update(task, advance=1, current=i)
        )
    console.print(f"training {type_name} on {len(documents)} labelled documents")
    result = train_type(registry, spec, documents, f"train-cli:{login_name()}")
    table = Table(title=f"{result.card.id}: {type_name}")
    for col in ("field", "value type", "labelled", "found", "absent", "cross-fitted", "threshold"):
        table.add_column(col)
    for f in spec.fields:
        out = result.outcomes[f.name].to_json()
        accuracy = out["cross_fitted_accuracy"]
        table.add_row(
            f.name, f.value_type.value, str(out["labelled"]), str(out["found_on_page"]),
            str(out["absent"]), "" if accuracy is None else f"{accuracy:.3f}",
            str(result.card.thresholds.get(f.name, "")),
        )  # fmt: skip
    console.print(table)
    for f in spec.fields:
        for miss in result.outcomes[f.name].not_found:
            console.print(f"[yellow]not on the page[/yellow]: {miss['document']} {f.name} "
                          f"{miss['value']!r}")  # fmt: skip
    if result.validation:
        console.print(f"validation micro-F1 {result.card.metrics['micro_f1']:.3f} "
                      f"on {result.validation} held-back documents")  # fmt: skip
    state = (
        "[green]live[/green]"
        if result.promoted
        else f"[yellow]not promoted[/yellow] ({result.card.note})"
    )
    console.print(f"stored in {registry.folder(result.card.id)}: {state}")
    if json_out is not None:
        report = {"card": result.card.model_dump(mode="json"), "promoted": result.promoted,
                  "type": spec.model_dump(mode="json")}  # fmt: skip
        json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
