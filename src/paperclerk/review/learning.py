"""Teach the counterparty memory of a data folder from an approved document, at once.

The memory file is shared by every reviewer and every worker (`learning.reviewed_memory`):
it starts as a copy of the live model's memory, and each approval adds its document under a
file lock with an atomic replace, so workers read the supplier right from the next document.
`review.decisions.approve` starts it (`teach_after_commit`), so every way of approving
teaches the memory.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.learning.loader import model_folder
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.learning.reviewed_memory import ReviewedMemory


def reviewed_memory(data_dir: Path) -> ReviewedMemory:
    """Return the data folder's memory file, starting from the live model's memory."""
    folder = model_folder("live", data_dir / "models")
    base = folder / "memory.json" if folder is not None else None
    return ReviewedMemory(data_dir, base=base)


def remember(data_dir: Path, example: TrainingExample) -> CounterpartyMemory:
    """Add a confirmed document to the data folder's memory; return the updated memory.

    Fields the reviewer corrected (`example.corrected`) become the counterparty's chosen
    spellings, ahead of what earlier confirmations counted.
    """
    return reviewed_memory(data_dir).remember(example)


def teach_after_commit(session: Session, data_dir: Path, example: TrainingExample) -> None:
    """Teach the memory an approved document once the session's transaction commits.

    Nothing is learnt if the transaction rolls back. The memory file is written in a
    background thread, so the reviewer's answer (and the next document) does not wait for
    it; a failure is logged, and the approval stays stored with its training example.
    """
    settled = False

    def committed(_: Session) -> None:
        nonlocal settled
        if not settled:
            settled = True
            threading.Thread(
                target=_remember_logged, args=(data_dir, example), name="memory", daemon=True
            ).start()

    def rolled_back(_: Session) -> None:
        nonlocal settled
        settled = True

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_rollback", rolled_back)


def _remember_logged(data_dir: Path, example: TrainingExample) -> None:
    try:
        remember(data_dir, example)
    except OSError:  # the approval is stored; the memory catches up with the next one
        logging.getLogger(__name__).exception("could not update the counterparty memory")
