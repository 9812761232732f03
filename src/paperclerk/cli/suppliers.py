"""`paperclerk suppliers …`: supplier master data of a workspace (payables)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from paperclerk.cli.common import DataDir, console, open_data_dir

suppliers_app = typer.Typer(
    help="Supplier master data: import the ERP's suppliers.", no_args_is_help=True
)


@suppliers_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Supplier CSV.")],
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace name or id.")],
    data_dir: DataDir = None,
) -> None:
    """Import a supplier CSV into a workspace (upsert by supplier_number).

    Header `supplier_number,name,vat_id,iban,address,postcode,city,country`; several IBANs
    separated by `;`. Rejected rows are listed with their line and reasons; the command
    exits 1 when any was rejected (the valid rows are imported all the same).
    """
    from paperclerk.payables.service import decode_csv, import_csv
    from paperclerk.payables.supplier import CsvFormatError
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.workspaces import get_workspace, get_workspace_by_name

    url, _ = open_data_dir(data_dir)
    try:
        text = decode_csv(file.read_bytes())
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    with make_session_factory(make_engine(url))() as session, session.begin():
        found = get_workspace_by_name(session, workspace) or get_workspace(session, workspace)
        if found is None:
            console.print(f"[red]no workspace {workspace!r}[/red]")
            raise typer.Exit(2)
        try:
            report = import_csv(session, found.id, text)
        except CsvFormatError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    for rejected in report.rejected:
        who = f" ({rejected.supplier_number})" if rejected.supplier_number else ""
        console.print(f"line {rejected.line}{who}: {'; '.join(rejected.reasons)}")
    print(f"created {report.created}, updated {report.updated}, rejected {len(report.rejected)}")
    if report.rejected:
        raise typer.Exit(1)
