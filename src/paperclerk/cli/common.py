"""What the command modules share: the stderr console, the progress bar and option types."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Data folder (default ./paperclerk-data or PAPERCLERK_DATA_DIR)."
    ),
]

RegistryOption = Annotated[
    Path | None,
    typer.Option("--registry", help="Model registry folder (default <data dir>/models)."),
]


def progress_bar() -> Progress:
    """Return the progress bar every long CLI command shows (on stderr)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=console,
    )


def open_data_dir(data_dir: Path | None) -> tuple[str, Path]:
    """Return the database URL and data folder, creating the folder and migrating the schema."""
    from paperclerk.settings import get_settings
    from paperclerk.storage.db import create_private_dir, database_url
    from paperclerk.storage.migrate import upgrade

    settings = get_settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    create_private_dir(settings.data_dir)
    url = database_url(settings)
    upgrade(url)
    return url, settings.data_dir


def login_name() -> str:
    """Return the name of the person running the command, as far as the system knows it."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
