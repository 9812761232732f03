"""Teach the counterparty memory of a data folder from an approved document, at once.

The memory file is shared by every reviewer and every worker (`learning.reviewed_memory`):
it starts as a copy of the live model's memory, and each approval adds its document under a
file lock with an atomic replace, so workers read the supplier right from the next document.
"""

from __future__ import annotations

from pathlib import Path

from paperclerk.learning.dataset import TrainingExample
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
