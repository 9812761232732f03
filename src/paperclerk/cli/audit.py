"""`paperclerk audit`: prove the audit trail intact, and hand it to an auditor."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paperclerk.cli.common import DataDir, console, open_data_dir

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

audit_app = typer.Typer(
    help="The tamper-evident audit trail: verify its hash chains, export it.", no_args_is_help=True
)

EXIT_BROKEN = 1
"""Exit code of `verify` when a chain does not hold."""
EXIT_BAD_INPUT = 2
"""Exit code for a workspace that does not exist or a date that cannot be read."""

Workspace = Annotated[
    str | None,
    typer.Option("--workspace", "-w", help="Workspace name or id (default: every workspace)."),
]


def _workspace_ids(session: Session, workspace: str | None) -> list[str]:
    """Return the ids of the workspace given by name or id, or of every workspace."""
    from paperclerk.storage.workspaces import get_workspace, get_workspace_by_name, list_workspaces

    if workspace is None:
        return [w.id for w in list_workspaces(session)]
    found = get_workspace_by_name(session, workspace) or get_workspace(session, workspace)
    if found is None:
        console.print(f"[red]no workspace {workspace}[/red]")
        raise typer.Exit(EXIT_BAD_INPUT)
    return [found.id]


@audit_app.command("verify")
def verify_cmd(
    workspace: Workspace = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the report as JSON.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Check every workspace's audit hash chain; exit 1 if an entry was changed or removed.

    Each entry holds the hash of the one before it and of its own content, so a row edited,
    deleted or inserted directly in the database shows here. Values masked by a retention
    purge and entries removed with a deleted document are accepted: the chain records both.
    """
    from paperclerk.storage.audit_chain import heads, verify
    from paperclerk.storage.db import make_engine, make_session_factory

    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session:
        ids = _workspace_ids(session, workspace)
        report = verify(session, ids)
        head = heads(session, ids)
    breaks = report.breaks or []
    for b in breaks:
        where = f"entry {b.seq}" if b.seq is not None else f"row id {b.entry_id}"
        print(f"{b.workspace_id}\t{where}\t{b.problem}")
    figures = {
        "intact": report.intact,
        "workspaces": len(ids),
        "entries": report.entries,
        "masked_by_purge": report.masked,
        "erased_with_documents": report.erased,
        "breaks": [b.__dict__ for b in breaks],
        "heads": head,
    }
    if json_out is not None:
        json_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    summary = (
        f"{report.entries} entries in {len(ids)} workspace(s); {report.masked} masked by a"
        f" purge, {report.erased} erased with their documents"
    )
    if not report.intact:
        console.print(f"[red]audit trail BROKEN: {len(breaks)} problem(s)[/red]; {summary}")
        raise typer.Exit(EXIT_BROKEN)
    console.print(f"[green]audit trail intact[/green]: {summary}")


def _since(text: str) -> dt.datetime:
    """Read a date or an ISO timestamp (UTC where no zone is given)."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        console.print(f"[red]--since {text!r} is not a date (YYYY-MM-DD) or ISO time[/red]")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@audit_app.command("export")
def export_cmd(
    since: Annotated[
        str, typer.Option("--since", help="First day or instant to export (ISO, UTC by default).")
    ],
    workspace: Workspace = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write the audit entries since a date as JSON lines, in chain order, for an auditor.

    Each line carries the entry with its number, previous hash and own hash, so the export
    can be checked on its own; the chain's head per workspace (last number and hash) is
    printed at the end on standard error: keep it to prove later that nothing was rewritten.
    """
    from paperclerk.storage.audit_chain import export_entries, heads
    from paperclerk.storage.db import make_engine, make_session_factory

    start = _since(since)
    url, _ = open_data_dir(data_dir)
    count = 0
    with make_session_factory(make_engine(url))() as session:
        ids = _workspace_ids(session, workspace)
        stream = out.open("w", encoding="utf-8") if out is not None else sys.stdout
        try:
            for entry in export_entries(session, ids, start):
                stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
                count += 1
        finally:
            if out is not None:
                stream.close()
        head = heads(session, ids)
    console.print(f"exported {count} entries since {start.isoformat()}")
    for ws, value in head.items():
        console.print(f"head {ws}: entry {value['seq']} {value['entry_hash']}", soft_wrap=True)
