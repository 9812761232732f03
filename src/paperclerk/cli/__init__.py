"""The paperclerk command line: `app` is the root Typer application.

One module per command group: `process` (process, submit), `serve` (serve, worker),
`eval`, `train`, `models`, `admin` and `campaign`; `common` holds what they share.
"""

from __future__ import annotations

import typer

from paperclerk.cli.admin import admin_app
from paperclerk.cli.approvals import approvals_app
from paperclerk.cli.audit import audit_app
from paperclerk.cli.campaign import campaign_app
from paperclerk.cli.eval import eval_app
from paperclerk.cli.models import models_app
from paperclerk.cli.process import process, submit
from paperclerk.cli.serve import serve, worker
from paperclerk.cli.split import split
from paperclerk.cli.suppliers import orders_app, receipts_app, suppliers_app
from paperclerk.cli.train import train_app

app = typer.Typer(help="paperclerk: document in, typed and checked JSON out.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(models_app, name="models")
app.add_typer(admin_app, name="admin")
app.add_typer(campaign_app, name="campaign")
app.add_typer(suppliers_app, name="suppliers")
app.add_typer(orders_app, name="purchase-orders")
app.add_typer(receipts_app, name="goods-receipts")
app.add_typer(approvals_app, name="approvals")
app.add_typer(audit_app, name="audit")
app.command("serve")(serve)
app.command("worker")(worker)
app.command("submit")(submit)
app.command("process")(process)
app.command("split")(split)

__all__ = ["app", "main"]


def main() -> None:
    """Entry point for `python -m paperclerk`."""
    app()
