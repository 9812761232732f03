"""`paperclerk campaign check` and `paperclerk eval duplicates`.

`campaign check` runs the same code path as `POST /v1/campaigns/{id}/submissions`
(`paperclerk.loyalty.service.check_submission`) on a SQLite database: by default a fresh
temporary one (the receipts given are checked against each other, in order, and nothing
is kept), or with `--data-dir` the database and blob store of that data folder (the
service's, so earlier submissions count for duplicates and claim limits, and each
original is stored in its blob store before it is processed).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from paperclerk.cli_train import progress_bar
from paperclerk.errors import PaperclerkError

if TYPE_CHECKING:
    from paperclerk.engines.base import OcrEngine
    from paperclerk.loyalty.campaign import Campaign
    from paperclerk.loyalty.service import SubmissionResult

campaign_app = typer.Typer(help="Loyalty and cashback campaigns.", no_args_is_help=True)
console = Console(stderr=True)
CLI_WORKSPACE = "cli"


def _fail(exc: PaperclerkError) -> typer.Exit:
    console.print(f"[red]error[/red] {exc.code}: {exc.message}")
    return typer.Exit(exc.exit_code)


@campaign_app.command("check")
def check(
    receipts: Annotated[list[Path], typer.Argument(help="Receipt images or PDFs.")],
    campaign_file: Annotated[Path, typer.Option("--campaign", help="Campaign YAML file.")],
    participant: Annotated[str, typer.Option("--participant", help="Participant id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Use (and keep) this data folder's database.")
    ] = None,
    engine: Annotated[str, typer.Option(help="OCR engine: rapid or tesseract.")] = "rapid",
) -> None:
    """Decide each receipt for a participant: outcome, reward and one finding per rule."""
    from paperclerk.engines.registry import get_engine
    from paperclerk.loyalty.campaign import load_campaign_file

    try:
        campaign = load_campaign_file(campaign_file)
        ocr = get_engine(engine)
    except PaperclerkError as exc:
        raise _fail(exc) from exc
    missing = [str(p) for p in receipts if not p.is_file()]
    if missing:
        console.print(f"[red]no such file[/red]: {', '.join(missing)}")
        raise typer.Exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        folder = data_dir or Path(tmp)
        keep = data_dir is not None
        failures = _check_all(receipts, campaign, participant, folder, ocr, as_json, keep)
    if failures:
        raise typer.Exit(3)


def _check_all(
    receipts: list[Path],
    campaign: Campaign,
    participant: str,
    folder: Path,
    ocr: OcrEngine,
    as_json: bool,
    keep_originals: bool = False,
) -> int:
    """Check each receipt in its own transaction; return how many could not be read.

    With `keep_originals` (a real data folder) each original goes to its blob store first.
    """
    from paperclerk.loyalty.service import check_submission
    from paperclerk.loyalty.store import save_campaign
    from paperclerk.settings import Settings
    from paperclerk.storage.blobs import BlobStore
    from paperclerk.storage.db import database_url, make_engine, make_session_factory
    from paperclerk.storage.migrate import upgrade
    from paperclerk.storage.workspaces import create_workspace, get_workspace_by_name

    folder.mkdir(parents=True, exist_ok=True)
    url = database_url(Settings(data_dir=folder))
    upgrade(url)
    engine = make_engine(url)
    failures = 0
    blobs = BlobStore.in_data_dir(folder) if keep_originals else None
    try:
        factory = make_session_factory(engine)
        with factory.begin() as session:
            ws = get_workspace_by_name(session, CLI_WORKSPACE)
            workspace = ws.id if ws else create_workspace(session, CLI_WORKSPACE).id
            save_campaign(session, workspace, campaign, replace=True)
        for path in receipts:
            try:
                with factory.begin() as session:
                    result = check_submission(
                        session,
                        workspace,
                        campaign,
                        participant,
                        path.read_bytes(),
                        filename=path.name,
                        engine=ocr,
                        blobs=blobs,
                    )
            except PaperclerkError as exc:
                failures += 1
                console.print(f"[red]{path}[/red]: {exc.code}: {exc.message}")
                continue
            if as_json:
                typer.echo(result.model_dump_json())
            else:
                _print(result)
    finally:
        engine.dispose()
    return failures


def _print(result: SubmissionResult) -> None:
    colour = {"approved": "green", "rejected": "red"}.get(result.outcome.value, "yellow")
    table = Table(
        title=f"{result.filename}: [{colour}]{result.outcome.value}[/{colour}], reward "
        f"{result.reward} {result.currency or ''} (submission {result.submission_id})"
    )
    for col in ("rule", "result", "effect", "message"):
        table.add_column(col)
    for f in result.findings:
        table.add_row(f.rule_id, "pass" if f.passed else "FAIL", f.effect.value, f.message)
    Console().print(table)


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
) -> None:
    """Measure duplicate detection (precision, recall over pairs) on simulated re-photos."""
    from paperclerk.evaluation.duplicates import (
        build_set,
        evaluate_duplicates,
        read_all,
        receipt_images,
    )
    from paperclerk.pipeline.parallel import default_workers

    if not root.is_dir():
        console.print(f"[red]{root} is not a folder[/red]")
        raise typer.Exit(2)
    paths = receipt_images(root)[:limit]
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
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
