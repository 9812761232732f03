"""`paperclerk serve` and `paperclerk worker`: run the service and its workers."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paperclerk.cli.common import DataDir, console, open_data_dir

if TYPE_CHECKING:
    from paperclerk.intake.mailbox import MailboxAccount


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
    retrain_types_every: Annotated[
        int,
        typer.Option(
            "--retrain-types-every",
            help="New confirmed documents of a type you defined that retrain its extractor in "
            "the background (0: only when asked).",
            min=0,
        ),
    ] = 10,  # worker.type_retraining.EVERY, not imported: the CLI starts without the database
) -> None:
    """Run the API with embedded workers over one data folder (SQLite unless configured)."""
    import uvicorn

    from paperclerk.web.app import create_app
    from paperclerk.worker.runner import Supervisor, WorkerConfig

    account = _mailbox_account(imap) if imap is not None else None
    url, folder = open_data_dir(data_dir)
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
    if retrain_types_every > 0:
        _start_type_retraining(retrain_types_every, url, folder, stop_intake)
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


def _start_type_retraining(every: int, url: str, folder: Path, stop: threading.Event) -> None:
    """Check in the background whether a type you defined has enough new confirmations."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.worker.type_retraining import TypeRetrainConfig, watch_type_retraining

    config = TypeRetrainConfig(folder, every=every)
    watch_type_retraining(config, make_session_factory(make_engine(url)), stop)


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

    With PAPERCLERK_BLOB_STORE=database (on every machine, the API's included) originals
    live in that database and nothing else is shared; with the default folder store the
    data folder's blobs/ must be one shared mount.
    """
    from paperclerk.worker.runner import Supervisor, WorkerConfig

    url, folder = open_data_dir(data_dir)
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
