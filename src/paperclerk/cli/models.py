"""`paperclerk models …`: list the models in the registry, see their history, roll back."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from paperclerk.cli.common import RegistryOption, console, login_name

models_app = typer.Typer(
    help="The model registry: list models, their history, roll back.", no_args_is_help=True
)

EXIT_NOTHING = 1
"""Exit code of `rollback` when no model of the kind is live in the registry."""
EXIT_UNKNOWN = 2
"""Exit code of `rollback --to` naming a model the registry does not hold."""


@models_app.command("list")
def models_list(registry_dir: RegistryOption = None) -> None:
    """Show every stored model: id, status, data hash, code version and validation figures."""
    from paperclerk.learning.registry import Registry
    from paperclerk.settings import get_settings

    registry = Registry(registry_dir or get_settings().registry_dir)
    table = Table(title=f"models in {registry.root}")
    columns = ("id", "status", "created", "data", "examples", "code", "micro-F1", "automation",
               "promoted")  # fmt: skip
    for col in columns:
        table.add_column(col)
    for card in registry.cards():
        promoted = (
            f"{card.promoted_at:%Y-%m-%d %H:%M} by {card.promoted_by}" if card.promoted_at else ""
        )
        table.add_row(
            card.id,
            card.status,
            card.created_at.strftime("%Y-%m-%d %H:%M"),
            card.training_data_hash[:10],
            "" if card.training_examples is None else str(card.training_examples),
            card.code_version,
            str(card.metrics.get("micro_f1", "")),
            str(card.metrics.get("automation_rate", "")),
            promoted,
        )
    Console().print(table)


@models_app.command("history")
def models_history(registry_dir: RegistryOption = None) -> None:
    """Print every change of a live model, tab-separated: promotions and rollbacks, who, why."""
    from paperclerk.learning.registry import Registry
    from paperclerk.settings import get_settings

    registry = Registry(registry_dir or get_settings().registry_dir)
    print("at\tkind\taction\tfrom\tto\tby\treason")
    for c in registry.history():
        print(f"{c.at:%Y-%m-%d %H:%M:%S}\t{c.kind}\t{c.action}\t{c.from_id or 'packaged'}"
              f"\t{c.to_id or 'packaged'}\t{c.by}\t{c.reason}")  # fmt: skip


@models_app.command("rollback")
def models_rollback(
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history).")],
    kind: Annotated[str, typer.Option("--kind", help="Which model kind.")] = "receipt-extractor",
    to: Annotated[
        str | None, typer.Option("--to", help="A stored model id (default: the one live before).")
    ] = None,
    registry_dir: RegistryOption = None,
) -> None:
    """Put the model that was live before the current one back in use (or the one `--to`).

    Workers pick it up with their next document. The change is written to the registry's
    history with who ran it and why; past the first registered model, the packaged model
    is used again.
    """
    from paperclerk.learning.registry import NothingToRollBackError, Registry
    from paperclerk.settings import get_settings

    registry = Registry(registry_dir or get_settings().registry_dir)
    try:
        change = registry.rollback(kind, f"models-cli:{login_name()}", reason, to)
    except NothingToRollBackError as exc:
        console.print(f"[red]{exc}[/red]: the packaged model is already in use")
        raise typer.Exit(EXIT_NOTHING) from None
    except KeyError as exc:
        console.print(f"[red]no stored {kind} model {exc.args[0]} in {registry.root}[/red]")
        raise typer.Exit(EXIT_UNKNOWN) from None
    console.print(
        f"{kind}: {change.from_id or 'packaged'} -> {change.to_id or 'packaged model'} is live"
    )
