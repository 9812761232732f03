"""`paperclerk models …`: list the models, their history, roll back, run one in shadow, promote."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from paperclerk.cli.common import DataDir, RegistryOption, console, login_name, open_data_dir

models_app = typer.Typer(
    help="The model registry: list models, their history, roll back, shadow, promote.",
    no_args_is_help=True,
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


Kind = Annotated[str, typer.Option("--kind", help="Which model kind.")]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept in the history).")]


@models_app.command("shadow")
def models_shadow(
    model_id: Annotated[str, typer.Argument(help="A stored model that is not live.")],
    reason: Reason = "",
    kind: Kind = "receipt-extractor",
    registry_dir: RegistryOption = None,
) -> None:
    """Run a stored model in shadow: workers read each document with it too, unused.

    Its agreement with the live model and its accuracy on reviewed documents show in
    `paperclerk models shadow-report`, on the models page and at `GET /v1/models/shadow`.
    """
    from paperclerk.learning.registry import Registry
    from paperclerk.settings import get_settings

    registry = Registry(registry_dir or get_settings().registry_dir)
    try:
        run = registry.start_shadow(kind, model_id, f"models-cli:{login_name()}", reason)
    except KeyError:
        console.print(f"[red]no stored {kind} model {model_id} in {registry.root}[/red]")
        raise typer.Exit(EXIT_UNKNOWN) from None
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]: it reads every document already")
        raise typer.Exit(EXIT_UNKNOWN) from None
    console.print(f"{kind}: {run.model_id} runs in shadow beside the live model")


@models_app.command("shadow-stop")
def models_shadow_stop(
    reason: Reason = "", kind: Kind = "receipt-extractor", registry_dir: RegistryOption = None
) -> None:
    """Stop running the shadow model; its readings stay for the record."""
    from paperclerk.learning.registry import Registry
    from paperclerk.settings import get_settings

    registry = Registry(registry_dir or get_settings().registry_dir)
    run = registry.stop_shadow(kind, f"models-cli:{login_name()}", reason)
    if run is None:
        console.print(f"no {kind} model runs in shadow")
        raise typer.Exit(EXIT_NOTHING)
    console.print(f"{kind}: {run.model_id} no longer runs in shadow")


@models_app.command("promote")
def models_promote(
    model_id: Annotated[str, typer.Argument(help="A stored model.")],
    reason: Reason,
    kind: Kind = "receipt-extractor",
    registry_dir: RegistryOption = None,
) -> None:
    """Make a stored model live at your decision (after its shadow run), with a reason.

    The live model is retired; `paperclerk models rollback` undoes it.
    """
    from paperclerk.learning.registry import Registry
    from paperclerk.settings import get_settings

    registry = Registry(registry_dir or get_settings().registry_dir)
    try:
        change = registry.promote_by(kind, model_id, f"models-cli:{login_name()}", reason)
    except KeyError:
        console.print(f"[red]no stored {kind} model {model_id} in {registry.root}[/red]")
        raise typer.Exit(EXIT_UNKNOWN) from None
    console.print(f"{kind}: {change.from_id or 'packaged'} -> {change.to_id} is live")


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share:.1%}"


@models_app.command("shadow-report")
def models_shadow_report(
    data_dir: DataDir = None,
    model_id: Annotated[
        str | None, typer.Option("--model", help="A model that ran in shadow (default: now's).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the report here.")
    ] = None,
) -> None:
    """Compare the shadow model with the live one on every workspace of a data folder.

    Agreement per field, how often each would have gone straight through, and accuracy on
    the documents people reviewed since the shadow started.
    """
    import json

    from paperclerk.learning.registry import RECEIPT_KIND, Registry
    from paperclerk.monitoring.shadow import report
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.workspaces import list_workspaces

    url, folder = open_data_dir(data_dir)
    run = Registry(folder / "models").shadow(RECEIPT_KIND)
    chosen = model_id or (run.model_id if run else None)
    if chosen is None:
        console.print("no model runs in shadow; name one with --model")
        raise typer.Exit(EXIT_NOTHING)
    with make_session_factory(make_engine(url))() as session:
        workspaces = [w.id for w in list_workspaces(session)]
        figures = report(session, workspaces, chosen).to_json()
    table = Table(title=f"{chosen} in shadow: {figures['documents']} documents, "
                        f"{figures['reviewed_documents']} reviewed")  # fmt: skip
    for col in ("field", "read", "agreement", "reviewed", "live right", "shadow right"):
        table.add_column(col)
    rows = [*figures["fields"].items(), ("all fields", figures["overall"])]
    for name, t in rows:
        table.add_row(name, str(t["compared"]), _percent(t["agreement"]), str(t["reviewed"]),
                      _percent(t["live_accuracy"]), _percent(t["shadow_accuracy"]))  # fmt: skip
    Console().print(table)
    print(f"straight through: live {_percent(figures['live_automation_rate'])}, "
          f"shadow {_percent(figures['shadow_automation_rate'])}")  # fmt: skip
    if json_out is not None:
        json_out.write_text(json.dumps(figures, indent=2))
