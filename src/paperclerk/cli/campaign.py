"""`paperclerk campaign check` and `paperclerk campaign dry-run`.

`campaign check` runs the same code path as `POST /v1/campaigns/{id}/submissions`
(`paperclerk.loyalty.service.check_submission`) on a SQLite database: by default a fresh
temporary one (the receipts given are checked against each other, in order, and nothing
is kept), or with `--data-dir` the database and blob store of that data folder (the
service's, so earlier submissions count for duplicates and claim limits, and each
original is stored in its blob store before it is processed).

`campaign dry-run` decides sample receipts in a folder against a campaign file and stores
nothing (`loyalty.dry_run`): no submissions, no duplicates, no claim counts — what the
rules make of genuine receipts before the campaign goes live.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from paperclerk.cli.common import console, progress_bar
from paperclerk.cli.process import SUPPORTED_SUFFIXES
from paperclerk.errors import PaperclerkError

if TYPE_CHECKING:
    from paperclerk.engines.base import OcrEngine
    from paperclerk.loyalty.campaign import Campaign
    from paperclerk.loyalty.dry_run import DryRunResult
    from paperclerk.loyalty.service import SubmissionResult

campaign_app = typer.Typer(help="Loyalty and cashback campaigns.", no_args_is_help=True)
CLI_WORKSPACE = "cli"


def _campaign_and_engine(campaign_file: Path, engine: str) -> tuple[Campaign, OcrEngine]:
    """Load the campaign file and the OCR engine, or exit with the typed error's code."""
    from paperclerk.engines.registry import get_engine
    from paperclerk.loyalty.campaign import load_campaign_file

    try:
        return load_campaign_file(campaign_file), get_engine(engine)
    except PaperclerkError as exc:
        raise _fail(exc) from exc


def _fail(exc: PaperclerkError) -> typer.Exit:
    """Print a PaperclerkError on stderr and return the exit that carries its exit code."""
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
    campaign, ocr = _campaign_and_engine(campaign_file, engine)
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
    """Print one decided receipt as a table: outcome, reward and one row per rule."""
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


@campaign_app.command("dry-run")
def dry_run(
    campaign_file: Annotated[Path, typer.Argument(help="Campaign YAML file.")],
    folder: Annotated[Path, typer.Argument(help="Folder of sample receipt images or PDFs.")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the decisions to this JSON file.")
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(help="Pretend the receipts are submitted on this day (YYYY-MM-DD)."),
    ] = None,
    engine: Annotated[str, typer.Option(help="OCR engine: rapid or tesseract.")] = "rapid",
) -> None:
    """Decide sample receipts against a campaign and store nothing, to see what would pass."""
    campaign, ocr = _campaign_and_engine(campaign_file, engine)
    if not folder.is_dir():
        console.print(f"[red]no such folder[/red]: {folder}")
        raise typer.Exit(2)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    if not files:
        console.print(f"[red]no receipt images or PDFs in[/red] {folder}")
        raise typer.Exit(2)
    try:
        now = _submission_time(today)
    except ValueError:
        console.print(f"[red]--today is not a date (YYYY-MM-DD)[/red]: {today}")
        raise typer.Exit(2) from None
    rows = _dry_run_all(files, campaign, ocr, now)
    _print_dry_run(rows, campaign)
    if json_out is not None:
        summary = Counter(r["outcome"] for r in rows)
        report = {"campaign": campaign.id, "receipts": rows, "summary": dict(summary)}
        json_out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


def _submission_time(today: str | None) -> dt.datetime:
    """Return the pretended submission time: noon UTC of `today`, or now."""
    if today is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.combine(dt.date.fromisoformat(today), dt.time(12), tzinfo=dt.UTC)


def _dry_run_all(
    files: list[Path], campaign: Campaign, ocr: OcrEngine, now: dt.datetime
) -> list[dict[str, object]]:
    """Read and decide each file with a progress bar; an unreadable file gets outcome 'error'."""
    from paperclerk.ingest import load_bytes
    from paperclerk.loyalty.dry_run import dry_run_decision
    from paperclerk.model import DocType
    from paperclerk.pipeline.run import process_ingested

    rows: list[dict[str, object]] = []
    with progress_bar() as bar:
        task = bar.add_task("dry run", total=len(files), current="")
        for path in files:
            bar.update(task, current=path.name)
            try:
                data = path.read_bytes()
                ingested = load_bytes(data)
                doc = process_ingested(
                    ingested, engine=ocr, filename=path.name, doc_type_hint=DocType.RECEIPT
                )
                result = dry_run_decision(campaign, doc, data, ingested, now, filename=path.name)
                rows.append(_dry_run_row(result))
            except PaperclerkError as exc:
                rows.append(
                    {"file": path.name, "outcome": "error", "reward": None,
                     "reasons": [f"{exc.code}: {exc.message}"], "findings": []}
                )  # fmt: skip
            bar.advance(task)
    return rows


def _dry_run_row(result: DryRunResult) -> dict[str, object]:
    """Return one decided sample as a JSON-ready mapping."""
    return {
        "file": result.filename,
        "outcome": result.outcome.value,
        "reward": str(result.reward),
        "provisional_reward": None
        if result.provisional_reward is None
        else str(result.provisional_reward),
        "reasons": result.reasons,
        "findings": [f.model_dump(mode="json") for f in result.findings],
    }


def _print_dry_run(rows: list[dict[str, object]], campaign: Campaign) -> None:
    """Print one table row per receipt, then how many receipts got each outcome."""
    table = Table(title=f"dry run of campaign {campaign.id} (nothing stored)")
    for col in ("file", "outcome", "reward", "reasons"):
        table.add_column(col)
    colours = {"approved": "green", "rejected": "red", "error": "red"}
    for row in rows:
        outcome = str(row["outcome"])
        colour = colours.get(outcome, "yellow")
        reasons = row["reasons"]
        reward = "" if row["reward"] is None else f"{row['reward']} {campaign.currency or ''}"
        if outcome == "needs_review" and row.get("provisional_reward") is not None:
            reward = f"{row['provisional_reward']} {campaign.currency or ''} if approved"
        table.add_row(
            str(row["file"]),
            f"[{colour}]{outcome}[/{colour}]",
            reward.strip(),
            "\n".join(str(r) for r in reasons) if isinstance(reasons, list) else "",
        )
    out = Console()
    out.print(table)
    counts = Counter(str(r["outcome"]) for r in rows)
    out.print(
        f"{len(rows)} receipts: "
        + ", ".join(f"{n} {outcome}" for outcome, n in counts.most_common())
    )
