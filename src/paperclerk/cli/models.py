"""`paperclerk models …`: list the models in the registry."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from paperclerk.cli.common import RegistryOption

models_app = typer.Typer(help="List the models in the registry.", no_args_is_help=True)


@models_app.command("list")
def models_list(registry_dir: RegistryOption = None) -> None:
    """Show every stored model: id, status, data hash, code version and validation figures."""
    from paperclerk.learning.registry import Registry
    from paperclerk.settings import get_settings

    registry = Registry(registry_dir or get_settings().registry_dir)
    table = Table(title=f"models in {registry.root}")
    for col in ("id", "status", "created", "data", "code", "micro-F1", "automation"):
        table.add_column(col)
    for card in registry.cards():
        table.add_row(
            card.id,
            card.status,
            card.created_at.strftime("%Y-%m-%d %H:%M"),
            card.training_data_hash[:10],
            card.code_version,
            str(card.metrics.get("micro_f1", "")),
            str(card.metrics.get("automation_rate", "")),
        )
    Console().print(table)
