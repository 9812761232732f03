"""`paperclerk admin …`: workspaces, API keys, users, decision policies and retention."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paperclerk.cli.common import DataDir, console, login_name, open_data_dir

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from paperclerk.learning.custom_fields import FieldSpec

admin_app = typer.Typer(
    help="Workspaces, API keys, users and decision policies.", no_args_is_help=True
)
policy_app = typer.Typer(
    help="A workspace's decision policy: show it, override it from a file, reset it.",
    no_args_is_help=True,
)
admin_app.add_typer(policy_app, name="policy")
types_app = typer.Typer(
    help="Document types you define: list them, define one and its fields.",
    no_args_is_help=True,
)
admin_app.add_typer(types_app, name="types")


@admin_app.command("create-workspace")
def create_workspace(name: str, data_dir: DataDir = None) -> None:
    """Create a workspace and print its id."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.workspaces import create_workspace as create

    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        workspace = create(session, name)
        print(workspace.id)


@admin_app.command("create-key")
def create_key(workspace: str, data_dir: DataDir = None) -> None:
    """Create an API key for a workspace (name or id); print only the key, shown once."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.workspaces import create_api_key, get_workspace_by_name

    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        found = get_workspace_by_name(session, workspace)
        new = create_api_key(session, found.id if found else workspace)
    console.print(f"key id {new.key_id} — store the key now, it is not shown again")
    print(new.key)


@admin_app.command("revoke-key")
def revoke_key(key_id: str, data_dir: DataDir = None) -> None:
    """Revoke an API key by its id."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.workspaces import revoke_key as revoke

    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        if not revoke(session, key_id):
            console.print(f"[red]no active key {key_id}[/red]")
            raise typer.Exit(1)
    console.print(f"revoked {key_id}")


@admin_app.command("login-events")
def login_events(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first.")] = 50,
    data_dir: DataDir = None,
) -> None:
    """List the latest review UI login attempts: succeeded, failed, locked, refused."""
    from rich.table import Table

    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.users import recent_logins

    url, _ = open_data_dir(data_dir)
    table = Table("at (UTC)", "email", "client", "outcome")
    with make_session_factory(make_engine(url))() as session:
        for event in recent_logins(session, limit):
            table.add_row(event.at.strftime("%Y-%m-%d %H:%M:%S"), event.email, event.client,
                          event.outcome)  # fmt: skip
    console.print(table)


@admin_app.command("create-user")
def create_user(
    email: str,
    role: Annotated[str, typer.Option(help="admin or reviewer.")] = "reviewer",
    workspace: Annotated[str | None, typer.Option(help="Workspace name to join.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a user; the password is read from standard input.

    It needs 12 to 1024 characters and must not be the email address.
    """
    from paperclerk.errors import PaperclerkError
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.users import add_user_to_workspace
    from paperclerk.storage.users import create_user as create
    from paperclerk.storage.workspaces import get_workspace_by_name

    password = sys.stdin.readline().rstrip("\n")
    if not password:
        console.print("[red]give the password on standard input[/red]")
        raise typer.Exit(2)
    url, _ = open_data_dir(data_dir)
    try:
        with make_session_factory(make_engine(url))() as session, session.begin():
            user = create(session, email, password, role)  # type: ignore[arg-type]
            if workspace is not None:
                found = get_workspace_by_name(session, workspace)
                if found is None:
                    console.print(f"[red]no workspace {workspace}[/red]")
                    raise typer.Exit(1)
                add_user_to_workspace(session, user.id, found.id)
    except PaperclerkError as exc:
        console.print(f"[red]{exc.code}: {exc.message}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    print(user.id)


@admin_app.command("workspaces")
def workspaces(data_dir: DataDir = None) -> None:
    """List the workspaces, one a line: name, id, retention of originals, created (UTC).

    Tab-separated, so scripts can read it.
    """
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.workspaces import list_workspaces

    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session:
        for ws in list_workspaces(session):
            created = ws.created_at.strftime("%Y-%m-%d %H:%M")
            print(f"{ws.name}\t{ws.id}\t{_retention_text(ws.retention_days)}\t{created}")


def _retention_text(days: int | None) -> str:
    """Say how long originals are kept: `kept for ever` or `N days after the decision`."""
    if days is None:
        return "kept for ever"
    return f"{days} day{'' if days == 1 else 's'} after the decision"


@admin_app.command("set-retention")
def set_retention(
    workspace: str,
    days: Annotated[
        str, typer.Argument(help="Days after the decision to keep originals, or none (ever).")
    ],
    data_dir: DataDir = None,
) -> None:
    """Keep a workspace's originals DAYS days after their decision (none: for ever).

    `paperclerk admin purge` then deletes older originals and page images and masks the
    personal values of their results; the decision and the sha256 stay.
    """
    from paperclerk.errors import PaperclerkError
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.retention import parse_retention
    from paperclerk.storage.retention import set_retention as store

    try:
        value = parse_retention(days)
    except PaperclerkError as exc:
        console.print(f"[red]{exc.message}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        store(session, _workspace_id(session, workspace), value)
    console.print(f"workspace {workspace}: originals {_retention_text(value)}", highlight=False)


@admin_app.command("purge")
def purge(
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="Only this workspace (name or id).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be purged; change nothing.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Delete the originals and page images of documents decided longer ago than retention.

    Per workspace with a retention (`set-retention`): the document stays with its status,
    decision, sha256 and masked fields and `purged_at`; its pages answer 410 `purged`.
    Each purge is audited. Prints one line per document (id, workspace, decided).
    """
    from paperclerk.storage.database_blobs import open_blob_store
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.retention import purge as run_purge

    url, folder = open_data_dir(data_dir)
    factory = make_session_factory(make_engine(url))
    ws_id = None
    if workspace is not None:
        with factory() as session:
            ws_id = _workspace_id(session, workspace)
    report = run_purge(
        factory,
        open_blob_store(folder, url),
        workspace_id=ws_id,
        dry_run=dry_run,
        actor_id=f"admin-cli:{login_name()}",
    )
    for doc in report.documents:
        print(f"{doc.document_id}\t{doc.workspace}\t{doc.decided_at.isoformat(timespec='seconds')}")
    n = len(report.documents)
    what = f"{n} document{'' if n == 1 else 's'}"
    if dry_run:
        console.print(f"dry run: {what} would be purged; nothing changed")
    else:
        console.print(f"purged {what}; {report.blobs_deleted} blob(s) deleted")


def _workspace_id(session: Session, workspace: str) -> str:
    """Return the id of a workspace given by name or id; exit 1 when there is none."""
    from paperclerk.storage.workspaces import get_workspace, get_workspace_by_name

    found = get_workspace_by_name(session, workspace) or get_workspace(session, workspace)
    if found is None:
        console.print(f"[red]no workspace {workspace}[/red]")
        raise typer.Exit(1)
    return found.id


def _read_override(file: str) -> object:
    """Read an override from a YAML or JSON file (`-`: standard input); exit 2 if unreadable."""
    import yaml

    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        return yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[red]cannot read {file}: {exc}[/red]")
        raise typer.Exit(2) from None
    except yaml.YAMLError as exc:
        console.print(
            f"[red]{file} is not valid YAML or JSON: {exc}[/red]", highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from None


@policy_app.command("show")
def policy_show(workspace: str, data_dir: DataDir = None) -> None:
    """Print the workspace's effective decision policy (packaged plus override) as YAML."""
    from paperclerk.pipeline.policy import policy_yaml
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.policies import get_policy_override, policy_with

    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session:
        row = get_policy_override(session, _workspace_id(session, workspace))
        override = dict(row.override) if row is not None else None
        if row is None:
            console.print(f"workspace {workspace}: the packaged policy (no override)")
        else:
            when = row.updated_at.isoformat(timespec="seconds")
            console.print(
                f"workspace {workspace}: packaged policy with an override set {when}"
                f" by {row.updated_by or 'unknown'}",
                highlight=False,
                soft_wrap=True,
            )
    print(policy_yaml(policy_with(override)), end="")


@policy_app.command("set")
def policy_set(
    workspace: str,
    file: Annotated[str, typer.Argument(help="YAML or JSON override file; - reads stdin.")],
    data_dir: DataDir = None,
) -> None:
    """Override the workspace's decision policy with FILE (replacing any earlier override)."""
    from paperclerk.errors import PolicyError
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.policies import set_policy_override

    override = _read_override(file)
    url, _ = open_data_dir(data_dir)
    try:
        with make_session_factory(make_engine(url))() as session, session.begin():
            ws = _workspace_id(session, workspace)
            set_policy_override(session, ws, override, by=f"admin-cli:{login_name()}")
    except PolicyError as exc:
        console.print(f"[red]invalid policy: {exc.message}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    console.print(f"workspace {workspace}: policy override set")


@policy_app.command("reset")
def policy_reset(workspace: str, data_dir: DataDir = None) -> None:
    """Drop the workspace's override: back to the packaged decision policy."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.policies import clear_policy_override

    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        had = clear_policy_override(session, _workspace_id(session, workspace))
    said = "override removed" if had else "had no override"
    console.print(f"workspace {workspace}: {said}; the packaged policy applies")


def _field_spec(text: str) -> FieldSpec:
    """Parse `NAME=TYPE[,required][,gating]` into a field spec (exit 2 on a bad one).

    A code names its check after a colon: `iban=code:iban,gating`.
    """
    from pydantic import ValidationError

    from paperclerk.learning.custom_fields import FieldSpec, parse_value_type
    from paperclerk.learning.field_spans import ValueType

    name, _, rest = text.partition("=")
    kind, *flags = [p.strip() for p in (rest or "text").split(",")]
    try:
        if any(f not in ("required", "gating") for f in flags):
            raise ValueError(f"unknown flag in {text!r}")
        value_type, check = parse_value_type(kind)
        return FieldSpec(
            name=name.strip(),
            value_type=value_type,
            check=check,
            required="required" in flags,
            gating="gating" in flags,
        )
    except (ValueError, ValidationError):
        kinds = ", ".join(v.value for v in ValueType)
        console.print(
            f"[red]--field {text!r}: expected NAME=TYPE[,required][,gating], TYPE one of "
            f"{kinds} (a code with its check: code:iban, code:vatin…), NAME lower case "
            "letters, digits and _[/red]",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None


@types_app.command("define")
def types_define(
    name: Annotated[str, typer.Argument(help="The type's name: lower case letters, digits, _.")],
    field: Annotated[
        list[str],
        typer.Option(
            "--field",
            help="NAME=TYPE[,required][,gating]; TYPE text, amount, date, identifier or "
            "code:CHECK (a python-stdnum format: iban, vatin, iso6346…).",
        ),
    ],
    description: Annotated[str, typer.Option(help="What the type's documents are.")] = "",
    data_dir: DataDir = None,
) -> None:
    """Define a document type and its fields (a known type's fields are replaced).

    Documents are then submitted with `doc_type=NAME`; reviewing them fills the fields, and
    `paperclerk train fields NAME DIR` or the types page trains the type's extractor.
    """
    from paperclerk.learning.custom_fields import TypeSpec
    from paperclerk.learning.user_types import UserTypes

    specs = [_field_spec(f) for f in field]
    if len({f.name for f in specs}) != len(specs):
        console.print("[red]a field name appears twice[/red]")
        raise typer.Exit(2)
    _, folder = open_data_dir(data_dir)
    try:
        spec = TypeSpec(name=name, description=description, fields=specs)
        UserTypes(folder / "models").define(spec)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"type {name} defined with {len(specs)} field(s)")


@types_app.command("list")
def types_list(data_dir: DataDir = None) -> None:
    """List the defined types: fields, value types, flags and the live model."""
    from rich.table import Table

    from paperclerk.learning.user_types import UserTypes
    from paperclerk.worker.type_retraining import load_states

    _, folder = open_data_dir(data_dir)
    types = UserTypes(folder / "models")
    retrained = load_states(folder)
    table = Table(title="document types you defined")
    for col in ("type", "fields", "live model", "last background retraining"):
        table.add_column(col)
    for name in types.names():
        spec = types.spec(name)
        if spec is None:
            continue
        described = ", ".join(
            f.name + f" ({f.value_type.value}" + (f":{f.check}" if f.check else "")
            + (", required" if f.required else "")
            + (", gating" if f.gating else "") + ")"
            for f in spec.fields
        )  # fmt: skip
        state = retrained.get(name)
        last = "none yet"
        if state is not None and state.last_run_at:
            outcome = state.error or ("promoted" if state.promoted else "kept, not promoted")
            last = f"{state.last_run_at}: {outcome}"
        table.add_row(name, described, types.live_id(name) or "not trained", last)
    console.print(table)


@types_app.command("train")
def types_train(
    name: Annotated[str, typer.Argument(help="The type to train.")],
    workspace: Annotated[
        list[str] | None,
        typer.Option(
            "--workspace",
            help="Train on this workspace's reviewed documents (repeatable; default: every "
            "workspace that reviewed documents of the type).",
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write what training did as JSON.")
    ] = None,
    by: Annotated[str, typer.Option(help="Who asked, for the registry's log.")] = "",
    data_dir: DataDir = None,
) -> None:
    """Train a type's extractor on the documents people reviewed; promote it past the gate.

    The same training as the types page and `POST /v1/types/{name}/train`; the service's
    background retraining (`serve --retrain-types-every`) runs this command.
    """
    import json

    from paperclerk.errors import InputError
    from paperclerk.learning.user_types import UserTypes
    from paperclerk.review.type_training import train_from_reviews, training_json
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.worker.type_retraining import new_examples

    url, folder = open_data_dir(data_dir)
    sessions = make_session_factory(make_engine(url))
    with sessions() as session:
        workspaces = workspace or new_examples(session, name, 0)[2]
        try:
            done = train_from_reviews(
                session, UserTypes(folder / "models"), workspaces, name, by or login_name()
            )
        except InputError as exc:
            console.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
    report = training_json(name, done)
    if json_out is not None:
        json_out.write_text(json.dumps(report, indent=2))
    state = "live" if done.promoted else "kept, not promoted"
    console.print(
        f"{name}: model {done.card.id} trained on {report['reviewed_documents']} reviewed "
        f"document(s) of {len(workspaces)} workspace(s): {state}"
    )
    for field_name, outcome in report["fields"].items():
        console.print(
            f"  {field_name}: {outcome['found_on_page']} of {outcome['labelled']} found on the "
            f"page, cross-fitted accuracy {outcome['cross_fitted_accuracy']}"
        )
