"""`paperclerk suppliers …`, `purchase-orders …`, `goods-receipts …`: the ERP's payables data.

Each imports one CSV export into a workspace, the same as the matching API route: rejected
rows are listed with their line and reasons, and the command exits 1 when any was rejected
(the valid rows are imported all the same), 2 when the file or workspace is unusable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Protocol

import typer
from sqlalchemy.orm import Session

from paperclerk.cli.common import DataDir, console, open_data_dir

suppliers_app = typer.Typer(
    help="Supplier master data: import the ERP's suppliers.", no_args_is_help=True
)
orders_app = typer.Typer(
    help="Purchase orders: import the ERP's open orders (2-way and 3-way match).",
    no_args_is_help=True,
)
receipts_app = typer.Typer(
    help="Goods receipts: import what was received against purchase orders (3-way match).",
    no_args_is_help=True,
)

CsvFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The CSV export.")]
WorkspaceOption = Annotated[str, typer.Option("--workspace", help="Workspace name or id.")]


class _Rejected(Protocol):
    @property
    def line(self) -> int: ...
    @property
    def reasons(self) -> list[str]: ...


def _import(
    file: Path,
    workspace: str,
    data_dir: Path | None,
    run: Callable[[Session, str, str], tuple[list[_Rejected], str]],
) -> None:
    """Decode the CSV, open the workspace, run the import in one transaction, report."""
    from paperclerk.payables.service import decode_csv
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
            rejected, summary = run(session, found.id, text)
        except CsvFormatError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    for row in rejected:
        who = getattr(row, "supplier_number", None) or getattr(row, "po_number", None)
        console.print(f"line {row.line}{f' ({who})' if who else ''}: {'; '.join(row.reasons)}")
    print(summary)
    if rejected:
        raise typer.Exit(1)


@suppliers_app.command("import")
def import_(file: CsvFile, workspace: WorkspaceOption, data_dir: DataDir = None) -> None:
    """Import a supplier CSV into a workspace (upsert by supplier_number).

    Header `supplier_number,name,vat_id,iban,address,postcode,city,country`; several IBANs
    separated by `;`.
    """
    from paperclerk.payables.service import import_csv

    def run(session: Session, workspace_id: str, text: str) -> tuple[list[_Rejected], str]:
        r = import_csv(session, workspace_id, text)
        return list(r.rejected), (
            f"created {r.created}, updated {r.updated}, rejected {len(r.rejected)}"
        )

    _import(file, workspace, data_dir, run)


@orders_app.command("import")
def import_orders(file: CsvFile, workspace: WorkspaceOption, data_dir: DataDir = None) -> None:
    """Import a purchase order CSV (one row per order line; an order replaced as a whole).

    Header `po_number,supplier_number,currency,line_number,product_code,description,
    quantity,unit_price`. Invoices naming an order (BT-13) are matched to it line by line.
    """
    from paperclerk.payables.orders import import_order_csv

    def run(session: Session, workspace_id: str, text: str) -> tuple[list[_Rejected], str]:
        r = import_order_csv(session, workspace_id, text)
        return list(r.rejected), (
            f"created {r.created}, updated {r.updated}, lines {r.lines}, rejected {len(r.rejected)}"
        )

    _import(file, workspace, data_dir, run)


@receipts_app.command("import")
def import_receipts(file: CsvFile, workspace: WorkspaceOption, data_dir: DataDir = None) -> None:
    """Import a goods receipt CSV (`po_number,line_number,received_quantity`).

    Each row adds its quantity to the order line's received quantity.
    """
    from paperclerk.payables.orders import import_receipt_csv

    def run(session: Session, workspace_id: str, text: str) -> tuple[list[_Rejected], str]:
        r = import_receipt_csv(session, workspace_id, text)
        return list(r.rejected), f"applied {r.applied}, rejected {len(r.rejected)}"

    _import(file, workspace, data_dir, run)
