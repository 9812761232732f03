"""`paperclerk campaign check`.

`campaign check` runs the same code path as `POST /v1/campaigns/{id}/submissions`
(`paperclerk.loyalty.service.check_submission`) on a SQLite database: by default a fresh
temporary one (the receipts given are checked against each other, in order, and nothing
is kept), or with `--data-dir` the database and blob store of that data folder (the
service's, so earlier submissions count for duplicates and claim limits, and each
original is stored in its blob store before it is processed).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from paperclerk.cli.common import console
from paperclerk.errors import PaperclerkError

if TYPE_CHECKING:
    from paperclerk.engines.base import OcrEngine
    from paperclerk.loyalty.campaign import Campaign
    from paperclerk.loyalty.service import SubmissionResult

campaign_app = typer.Typer(help="Loyalty and cashback campaigns.", no_args_is_help=True)
CLI_WORKSPACE = "cli"


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
