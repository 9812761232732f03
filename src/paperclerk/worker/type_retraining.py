"""Background retraining of the types users defined, after N new review confirmations each.

Every approval of a document of a user type stores a training example at once
(`review.decisions`). The type's extractor learns from them when a person asks (the types
page, `POST /v1/types/{name}/train`, `paperclerk admin types train`) and, with this watcher, on
its own: when `every` confirmations of a type have arrived since its last training, the same
`paperclerk admin types train` runs in a child process at low CPU priority. It trains on
every reviewed document of the type, in each workspace that reviewed some (a type and its
model serve the whole service). The registry's gate decides: the new model goes live only if
it scores at least as well as the live one on held-back documents. A state file remembers,
per type, up to which example the last training ran and what came of it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.learning.user_types import UserTypes
from paperclerk.model import DocType, type_hint
from paperclerk.storage.tables import TrainingExampleRow
from paperclerk.worker.retraining import every, run_training, write_state

log = logging.getLogger(__name__)

STATE_FILE = Path("learning") / "type-retraining.json"
EVERY = 10
"""New confirmations of a type that start its retraining, unless `serve` says otherwise."""


@dataclass(frozen=True)
class TypeRetrainConfig:
    """The data folder, how many new confirmations start a retraining, and how often to look.

    `command` builds the training command line (`train_command`; tests put a stand-in).
    """

    data_dir: Path
    every: int = EVERY
    check_seconds: float = 60.0
    nice: int = 10
    command: Callable[[TypeRetrainConfig, str, Sequence[str], Path], list[str]] = field(
        default_factory=lambda: train_command
    )


@dataclass
class TypeRetrainState:
    """What the last retraining of one type covered and how it ended."""

    last_example_id: int = 0
    runs: int = 0
    last_run_at: str | None = None
    last_model: str | None = None
    promoted: bool | None = None
    reviewed: int = 0
    error: str | None = None


def load_states(data_dir: Path) -> dict[str, TypeRetrainState]:
    """Read each type's retraining state from a data folder (none when nothing ran yet)."""
    path = data_dir / STATE_FILE
    if not path.exists():
        return {}
    return {name: TypeRetrainState(**s) for name, s in json.loads(path.read_text()).items()}


def save_states(data_dir: Path, states: dict[str, TypeRetrainState]) -> None:
    """Write every type's retraining state atomically."""
    write_state(data_dir / STATE_FILE, {n: asdict(s) for n, s in sorted(states.items())})


def new_examples(session: Session, name: str, since_id: int) -> tuple[int, int, list[str]]:
    """Return (examples of a type after `since_id`, the newest id, workspaces that hold any).

    The workspaces are those a retraining learns from: every one that reviewed the type.
    """
    stored = type_hint(DocType.CUSTOM, name)
    count, newest = session.execute(
        select(func.count(), func.max(TrainingExampleRow.id)).where(
            TrainingExampleRow.id > since_id, TrainingExampleRow.doc_type == stored
        )
    ).one()
    workspaces = session.scalars(
        select(TrainingExampleRow.workspace_id)
        .distinct()
        .where(TrainingExampleRow.doc_type == stored)
        .order_by(TrainingExampleRow.workspace_id)
    ).all()
    return int(count), int(newest or since_id), list(workspaces)


def train_command(
    config: TypeRetrainConfig, name: str, workspaces: Sequence[str], report: Path
) -> list[str]:
    """Return the `paperclerk admin types train` command line a retraining runs."""
    command = [
        sys.executable, "-m", "paperclerk", "admin", "types", "train", name,
        "--data-dir", str(config.data_dir), "--json", str(report), "--by", "retraining",
    ]  # fmt: skip
    for workspace in workspaces:
        command += ["--workspace", workspace]
    return command


def retrain_types_if_due(
    config: TypeRetrainConfig, sessions: sessionmaker[Session]
) -> dict[str, TypeRetrainState]:
    """Retrain each type with `every` new confirmations; return the states of those that ran."""
    states = load_states(config.data_dir)
    ran: dict[str, TypeRetrainState] = {}
    for name in UserTypes(config.data_dir / "models").names():
        state = states.setdefault(name, TypeRetrainState())
        with sessions() as session:
            count, newest, workspaces = new_examples(session, name, state.last_example_id)
        if count < config.every:
            continue
        ran[name] = _retrain(config, name, workspaces, newest, state)
        save_states(config.data_dir, states)
    return ran


def _retrain(
    config: TypeRetrainConfig,
    name: str,
    workspaces: list[str],
    newest: int,
    state: TypeRetrainState,
) -> TypeRetrainState:
    report = config.data_dir / "learning" / f"last-training-{name}.json"
    log.info("retraining document type %s", name)
    state.runs += 1
    state.last_run_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        run_training(config.command(config, name, workspaces, report), config.nice)
    except (subprocess.CalledProcessError, OSError) as exc:
        tail = (getattr(exc, "stderr", "") or "") + (getattr(exc, "stdout", "") or "")
        lines = tail.strip().splitlines() or [str(exc) or type(exc).__name__]
        state.error = lines[-1][:500]
        state.last_example_id = newest  # tried again after `every` more, not every minute
        log.warning("retraining %s failed: %s", name, state.error)
        return state
    done = json.loads(report.read_text()) if report.exists() else {}
    state.last_example_id = newest
    state.last_model = done.get("model", {}).get("id")
    state.promoted = bool(done.get("promoted"))
    state.reviewed = int(done.get("reviewed_documents", 0))
    state.error = None
    log.info("retrained %s: %s", name, "live" if state.promoted else "kept, not promoted")
    return state


def watch_type_retraining(
    config: TypeRetrainConfig, sessions: sessionmaker[Session], stop: threading.Event
) -> threading.Thread:
    """Check every `check_seconds` whether a type's retraining is due, in a daemon thread."""
    check = partial(retrain_types_if_due, config, sessions)
    return every(check, config.check_seconds, stop, "type-retraining")
