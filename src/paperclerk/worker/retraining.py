"""Background retraining: after N new review confirmations, train a new receipt model.

Every confirmed document is a training example in the app database at once (and teaches the
counterparty memory at once); a full retraining is heavier, so it runs in the background
when `every` new receipt examples have arrived since the last one. It runs the same
`paperclerk train receipts` as a person would — base data plus every confirmation so far,
exported as JSON lines — in a child process at low CPU priority, into the data folder's
model registry. The registry's gate decides: the new model goes live only if it scores at
least as well as the live one on the same held-back validation set; otherwise it is kept
with its figures and not promoted. A state file remembers up to which example the last
retraining ran and what came of it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.learning.registry import RECEIPT_KIND, Registry
from paperclerk.model import DocType
from paperclerk.storage.tables import TrainingExampleRow

log = logging.getLogger(__name__)

STATE_FILE = Path("learning") / "retraining.json"
EXPORT_FILE = Path("learning") / "confirmed-receipts.jsonl"


@dataclass(frozen=True)
class RetrainConfig:
    """Where the base training data is, and how many new examples start a retraining.

    `command` builds the training command line (`train_command`; tests put a stand-in).
    """

    data_dir: Path
    base_data: Path
    every: int = 50
    check_seconds: float = 600.0
    nice: int = 10
    command: Callable[[RetrainConfig, Path, Path], list[str]] = field(
        default_factory=lambda: train_command
    )


@dataclass
class RetrainState:
    """What the last retraining covered and how it ended."""

    last_example_id: int = 0
    runs: int = 0
    last_run_at: str | None = None
    last_model: str | None = None
    promoted: bool | None = None
    error: str | None = None

    @classmethod
    def load(cls, data_dir: Path) -> RetrainState:
        """Read the state file of a data folder (a fresh state when there is none)."""
        path = data_dir / STATE_FILE
        if not path.exists():
            return cls()
        return cls(**json.loads(path.read_text()))

    def save(self, data_dir: Path) -> None:
        """Write the state file atomically."""
        write_state(data_dir / STATE_FILE, asdict(self))


def write_state(path: Path, data: object) -> None:
    """Write a retraining state file as JSON atomically: a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def run_training(command: list[str], nice: int) -> None:
    """Run a training command line in a child process at `nice` lower CPU priority.

    Raises `subprocess.CalledProcessError` (its output captured) when it fails, or OSError
    when it cannot start.
    """
    subprocess.run(
        command, check=True, capture_output=True, text=True, preexec_fn=lambda: os.nice(nice)
    )


def new_examples(session: Session, since_id: int) -> tuple[int, int]:
    """Return (how many receipt examples arrived after `since_id`, the newest id)."""
    count, newest = session.execute(
        select(func.count(), func.max(TrainingExampleRow.id)).where(
            TrainingExampleRow.id > since_id, TrainingExampleRow.doc_type == DocType.RECEIPT.value
        )
    ).one()
    return int(count), int(newest or since_id)


def export_examples(session: Session, path: Path) -> int:
    """Write every receipt training example as JSON lines (the `Dataset` format); count them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = session.scalars(
        select(TrainingExampleRow.example)
        .where(TrainingExampleRow.doc_type == DocType.RECEIPT.value)
        .order_by(TrainingExampleRow.id)
    )
    count = 0
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for example in rows:
            out.write(json.dumps(example) + "\n")
            count += 1
    os.replace(tmp, path)
    return count


def train_command(config: RetrainConfig, corrections: Path, card: Path) -> list[str]:
    """Return the `paperclerk train receipts` command line a retraining runs."""
    return [
        sys.executable, "-m", "paperclerk", "train", "receipts", str(config.base_data),
        "--corrections", str(corrections), "--registry", str(config.data_dir / "models"),
        "--json", str(card),
    ]  # fmt: skip


def retrain_if_due(config: RetrainConfig, sessions: sessionmaker[Session]) -> RetrainState | None:
    """Retrain when `every` new receipt examples arrived; return the new state, else None."""
    state = RetrainState.load(config.data_dir)
    with sessions() as session:
        count, newest = new_examples(session, state.last_example_id)
        if count < config.every:
            return None
        corrections = config.data_dir / EXPORT_FILE
        exported = export_examples(session, corrections)
    registry = Registry(config.data_dir / "models")
    card = config.data_dir / "learning" / "last-training.json"
    log.info("retraining the receipt model on %d confirmed examples", exported)
    state.runs += 1
    state.last_run_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        run_training(config.command(config, corrections, card), config.nice)
    except (subprocess.CalledProcessError, OSError) as exc:
        tail = getattr(exc, "stderr", "") or str(exc)
        state.error = tail.strip().splitlines()[-1][:500] if tail.strip() else type(exc).__name__
        state.save(config.data_dir)
        log.warning("retraining failed: %s", state.error)
        return state
    model_id = json.loads(card.read_text()).get("id") if card.exists() else None
    state.last_example_id = newest
    state.last_model = model_id
    state.promoted = model_id is not None and registry.live_id(RECEIPT_KIND) == model_id
    state.error = None
    state.save(config.data_dir)
    log.info("retrained %s: %s", model_id, "live" if state.promoted else "kept, not promoted")
    return state


def watch_retraining(
    config: RetrainConfig, sessions: sessionmaker[Session], stop: threading.Event
) -> threading.Thread:
    """Check every `check_seconds` whether a retraining is due, in a daemon thread."""
    check = partial(retrain_if_due, config, sessions)
    return every(check, config.check_seconds, stop, "retraining")


def every(
    check: Callable[[], object], seconds: float, stop: threading.Event, name: str
) -> threading.Thread:
    """Run `check` every `seconds` until `stop` is set, in a daemon thread named `name`.

    A check that fails (a database hiccup) is logged and tried again next round: it must
    not end the loop.
    """

    def loop() -> None:
        while not stop.is_set():
            try:
                check()
            except Exception:
                log.exception("%s check failed", name)
            stop.wait(seconds)

    thread = threading.Thread(target=loop, name=f"paperclerk-{name}", daemon=True)
    thread.start()
    return thread
