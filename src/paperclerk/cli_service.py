"""`paperclerk serve`, `worker`, `submit` and `admin …`: run and administer the service."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from paperclerk.intake.mailbox import MailboxAccount

admin_app = typer.Typer(
    help="Workspaces, API keys, users and decision policies.", no_args_is_help=True
)
policy_app = typer.Typer(
    help="A workspace's decision policy: show it, override it from a file, reset it.",
    no_args_is_help=True,
)
admin_app.add_typer(policy_app, name="policy")
console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Data folder (default ./paperclerk-data or PAPERCLERK_DATA_DIR)."
    ),
]


def _where(data_dir: Path | None) -> tuple[str, Path]:
    """Return the database URL and data folder, creating the folder and migrating the schema."""
    from paperclerk.settings import get_settings
    from paperclerk.storage.db import database_url
    from paperclerk.storage.migrate import upgrade

    settings = get_settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = database_url(settings)
    upgrade(url)
    return url, settings.data_dir


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: DataDir = None,
    workers: Annotated[int, typer.Option(help="Embedded worker processes (0: none).")] = 1,
    watch: Annotated[
        Path | None,
        typer.Option(
            "--watch",
            help="Watch DIR: files put in DIR/inbox are submitted once, then moved to "
            "DIR/done or DIR/failed.",
        ),
    ] = None,
    watch_workspace: Annotated[
        str,
        typer.Option("--watch-workspace", help="Workspace for watched files (created if missing)."),
    ] = "default",
    imap: Annotated[
        str | None,
        typer.Option(
            "--imap",
            help="Poll a mailbox, imaps://USER@HOST[:PORT]/FOLDER (imap:// for STARTTLS, "
            "imap+plain:// for none); password in PAPERCLERK_IMAP_PASSWORD. Attachments of "
            "new messages are submitted once, then the message is marked.",
        ),
    ] = None,
    imap_workspace: Annotated[
        str,
        typer.Option("--imap-workspace", help="Workspace for attachments (created if missing)."),
    ] = "default",
    imap_interval: Annotated[
        float, typer.Option("--imap-interval", help="Seconds between mailbox polls.", min=1)
    ] = 60.0,
    demo: Annotated[
        Path | None,
        typer.Option(
            "--demo",
            help="Send every document of DIR through the API once the service is up (workspace "
            "'demo', a new key), print a summary and write the results to --demo-out.",
        ),
    ] = None,
    demo_out: Annotated[
        Path, typer.Option("--demo-out", help="Folder for the demo's JSON results.")
    ] = Path("out"),
    train_data: Annotated[
        Path | None,
        typer.Option(
            "--train-data",
            help="SROIE-layout folder the receipt model is trained on: with it, the receipt "
            "model is retrained in the background on it plus every review confirmation.",
        ),
    ] = None,
    retrain_every: Annotated[
        int, typer.Option("--retrain-every", help="New confirmed receipts per retraining.", min=1)
    ] = 50,
) -> None:
    """Run the API with embedded workers over one data folder (SQLite unless configured)."""
    import uvicorn

    from paperclerk.web.app import create_app
    from paperclerk.worker.runner import Supervisor, WorkerConfig

    account = _mailbox_account(imap) if imap is not None else None
    url, folder = _where(data_dir)
    stop_intake = threading.Event()
    intakes: list[threading.Thread] = []
    if watch is not None:
        from paperclerk.intake.folder import watch_folder

        intakes.append(watch_folder(watch, url, folder, watch_workspace, stop_intake))
        console.print(f"watching {(watch / 'inbox').resolve()} for workspace {watch_workspace!r}")
    if account is not None:
        from paperclerk.intake.mailbox import watch_mailbox

        intakes.append(
            watch_mailbox(account, url, folder, imap_workspace, stop_intake, interval=imap_interval)
        )
        console.print(f"polling {account.describe()} for workspace {imap_workspace!r}")
    supervisor = Supervisor(WorkerConfig(url, folder), workers) if workers > 0 else None
    if supervisor is not None:
        supervisor.start()
    if train_data is not None:
        _start_retraining(train_data, retrain_every, url, folder, stop_intake)
    if demo is not None:
        reach = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        _start_demo(demo, demo_out, url, f"http://{reach}:{port}")
    console.print(f"paperclerk on http://{host}:{port} — data in {folder.resolve()}")
    try:
        uvicorn.run(create_app(url, folder, migrate=False), host=host, port=port, log_level="info")
    finally:
        stop_intake.set()
        for intake in intakes:
            intake.join(timeout=10)
        if supervisor is not None:
            supervisor.stop()


def _start_retraining(
    train_data: Path, every: int, url: str, folder: Path, stop: threading.Event
) -> None:
    """Check in the background whether enough confirmations came in to retrain receipts."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.worker.retraining import RetrainConfig, watch_retraining

    config = RetrainConfig(folder, train_data.resolve(), every=every)
    watch_retraining(config, make_session_factory(make_engine(url)), stop)
    console.print(f"retraining receipts after every {every} confirmations, on {train_data}")


def _start_demo(folder: Path, out: Path, database_url: str, service_url: str) -> None:
    """Start sending the demo documents to the service (in a thread) and say how to follow."""
    from paperclerk.demo import demo_key, start_demo

    key = demo_key(database_url)
    console.print(f"demo: workspace 'demo', API key {key}", soft_wrap=True)
    console.print(
        f"demo: try  curl -H 'Authorization: Bearer {key}' {service_url}/v1/documents",
        soft_wrap=True,
    )

    def say(line: str) -> None:
        console.print(f"demo: {line}", soft_wrap=True, highlight=False)

    start_demo(service_url, key, folder, out, say)


def _mailbox_account(url: str) -> MailboxAccount:
    """Return the account of `--imap URL` with the password of PAPERCLERK_IMAP_PASSWORD."""
    from paperclerk.intake.mailbox import MailboxAccount

    password = os.environ.get("PAPERCLERK_IMAP_PASSWORD", "")
    if not password:
        console.print("[red]set PAPERCLERK_IMAP_PASSWORD to the mailbox password[/red]")
        raise typer.Exit(2)
    try:
        return MailboxAccount.from_url(url, password)
    except ValueError as exc:
        console.print(f"[red]--imap: {exc}[/red]")
        raise typer.Exit(2) from None


def worker(
    data_dir: DataDir = None,
    processes: Annotated[int, typer.Option(help="Worker processes on this machine.")] = 1,
) -> None:
    """Run workers only, for scale-out: point PAPERCLERK_DATABASE_URL at the shared database.

    The blob store must be the same folder for every machine (a shared mount).
    """
    from paperclerk.worker.runner import Supervisor, WorkerConfig

    url, folder = _where(data_dir)
    supervisor = Supervisor(WorkerConfig(url, folder), processes)
    supervisor.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print(f"{processes} worker(s) on {url.split('@')[-1]}")
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop()


@admin_app.command("create-workspace")
def create_workspace(name: str, data_dir: DataDir = None) -> None:
    """Create a workspace and print its id."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.workspaces import create_workspace as create

    url, _ = _where(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        workspace = create(session, name)
        print(workspace.id)


@admin_app.command("create-key")
def create_key(workspace: str, data_dir: DataDir = None) -> None:
    """Create an API key for a workspace (name or id); print only the key, shown once."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.workspaces import create_api_key, get_workspace_by_name

    url, _ = _where(data_dir)
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

    url, _ = _where(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        if not revoke(session, key_id):
            console.print(f"[red]no active key {key_id}[/red]")
            raise typer.Exit(1)
    console.print(f"revoked {key_id}")


@admin_app.command("create-user")
def create_user(
    email: str,
    role: Annotated[str, typer.Option(help="admin or reviewer.")] = "reviewer",
    workspace: Annotated[str | None, typer.Option(help="Workspace name to join.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a user; the password is read from standard input."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.users import add_user_to_workspace
    from paperclerk.storage.users import create_user as create
    from paperclerk.storage.workspaces import get_workspace_by_name

    password = sys.stdin.readline().rstrip("\n")
    if not password:
        console.print("[red]give the password on standard input[/red]")
        raise typer.Exit(2)
    url, _ = _where(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        user = create(session, email, password, role)  # type: ignore[arg-type]
        if workspace is not None:
            found = get_workspace_by_name(session, workspace)
            if found is None:
                console.print(f"[red]no workspace {workspace}[/red]")
                raise typer.Exit(1)
            add_user_to_workspace(session, user.id, found.id)
        print(user.id)


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

    url, _ = _where(data_dir)
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
    url, _ = _where(data_dir)
    try:
        with make_session_factory(make_engine(url))() as session, session.begin():
            ws = _workspace_id(session, workspace)
            set_policy_override(session, ws, override, by=f"admin-cli:{_login()}")
    except PolicyError as exc:
        console.print(f"[red]invalid policy: {exc.message}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    console.print(f"workspace {workspace}: policy override set")


@policy_app.command("reset")
def policy_reset(workspace: str, data_dir: DataDir = None) -> None:
    """Drop the workspace's override: back to the packaged decision policy."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.policies import clear_policy_override

    url, _ = _where(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        had = clear_policy_override(session, _workspace_id(session, workspace))
    said = "override removed" if had else "had no override"
    console.print(f"workspace {workspace}: {said}; the packaged policy applies")


def _login() -> str:
    """Return the name of the person running the command, as far as the system knows it."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def submit(
    files: Annotated[list[Path], typer.Argument(help="Documents to submit.")],
    url: Annotated[str, typer.Option(help="Service URL.")] = "http://127.0.0.1:8000",
    key: Annotated[str | None, typer.Option(help="API key (or PAPERCLERK_API_KEY).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for and print the results.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait per document.")] = 120.0,
) -> None:
    """Submit documents to a running service; print one JSON line per document."""
    from paperclerk.client import Client, ClientError

    api_key = key or os.environ.get("PAPERCLERK_API_KEY")
    if not api_key:
        console.print("[red]give --key or set PAPERCLERK_API_KEY[/red]")
        raise typer.Exit(2)
    failures = 0
    with Client(url, api_key) as client:
        for path in files:
            try:
                doc = client.submit(path)
                if wait:
                    doc = client.wait(doc["id"], timeout)
            except (ClientError, OSError) as exc:
                failures += 1
                print(json.dumps({"file": str(path), "error": str(exc)}))
                continue
            print(json.dumps({"file": str(path), **doc}, default=str))
    raise typer.Exit(1 if failures else 0)
