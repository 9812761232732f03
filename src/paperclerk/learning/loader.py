"""Find the receipt extractor to run, the live model's drift reference and any shadow model.

The extractor is a registry model, the packaged one, or rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from paperclerk.extract.base import FieldExtractor
from paperclerk.extract.receipt import RuleReceiptExtractor
from paperclerk.learning.custom_fields import custom_kind
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.learning.receipt_extractor import TrainedReceiptExtractor
from paperclerk.learning.receipt_model import ReceiptModel
from paperclerk.learning.registry import PACKAGED, RECEIPT_KIND, ModelCard, Registry
from paperclerk.model import DocType, read_type_hint
from paperclerk.settings import get_settings

PACKAGED_RECEIPT = PACKAGED / "receipt"


def model_folder(spec: str | None, registry_root: Path | None = None) -> Path | None:
    """Resolve a model spec to its folder.

    `None`/'live': the registry's live receipt model, else the packaged one; 'default': the
    packaged one; 'rules': no folder (rule extraction); a registry id; or a folder path.
    """
    registry = Registry(registry_root or get_settings().registry_dir)
    if spec == "rules":
        return None
    if spec in (None, "live"):
        live = registry.live_id(RECEIPT_KIND)
        if live:
            return registry.folder(live)
        spec = "default"
    if spec == "default":
        return PACKAGED_RECEIPT if (PACKAGED_RECEIPT / "model.json.gz").exists() else None
    assert spec is not None
    if (registry.folder(spec) / "model.json.gz").exists():
        return registry.folder(spec)
    path = Path(spec)
    if (path / "model.json.gz").exists():
        return path
    raise FileNotFoundError(f"no receipt model {spec!r} in {registry.root} or on disk")


@lru_cache(maxsize=8)
def _load(folder: Path, with_memory: bool) -> TrainedReceiptExtractor:
    model = ReceiptModel.load(folder / "model.json.gz")
    memory_path = folder / "memory.json"
    memory = CounterpartyMemory.load(memory_path) if with_memory and memory_path.exists() else None
    return TrainedReceiptExtractor(model, memory)


def receipt_extractor(
    spec: str | None = None, registry_root: Path | None = None, memory: bool = True
) -> FieldExtractor:
    """Return the receipt extractor for a spec (see `model_folder`), loaded once per process."""
    folder = model_folder(spec, registry_root)
    if folder is None:
        return RuleReceiptExtractor()
    return _load(folder.resolve(), memory)


def service_receipt_extractor(data_dir: Path) -> FieldExtractor:
    """Return the receipt extractor of a service's data folder.

    The live model of `<data_dir>/models` (else the packaged one), looked up again for each
    document so a newly promoted model takes over at once, reading with the memory that
    review confirmations in this data folder keep up to date (`reviewed_memory`).
    """
    from paperclerk.learning.reviewed_memory import ReviewedMemory, ReviewedReceiptExtractor

    registry_root = data_dir / "models"
    first = model_folder("live", registry_root)
    if first is None:
        return RuleReceiptExtractor()

    def live() -> TrainedReceiptExtractor:
        folder = model_folder("live", registry_root) or first
        return _load(folder.resolve(), True)

    memory = ReviewedMemory(data_dir, base=first / "memory.json")
    return ReviewedReceiptExtractor(live, memory)


@dataclass(frozen=True)
class LiveReference:
    """The live model of a document type and its training data's drift reference."""

    model_id: str
    reference: dict[str, Any]


@lru_cache(maxsize=8)
def _card_reference(card_path: Path) -> LiveReference | None:
    if not card_path.exists():
        return None
    card = ModelCard.model_validate_json(card_path.read_text(encoding="utf-8"))
    return LiveReference(card.id, card.drift_reference) if card.drift_reference else None


def service_drift_references(data_dir: Path) -> Callable[[str], LiveReference | None]:
    """Return a lookup of the live model's drift reference per monitored type of a service.

    The type is named as the drift monitor names it: `receipt`, or `custom:<name>` for a
    type a user defined. Receipts' and user types' trained models have one (their training
    writes it in the card); the lookup follows promotions and rollbacks in
    `<data_dir>/models` at once. Other types get None: their monitor compares reviewers'
    confirmations and the type mix only.
    """
    registry_root = data_dir / "models"

    def lookup(monitored: str) -> LiveReference | None:
        try:
            doc_type, custom_type = read_type_hint(monitored)
        except ValueError:
            return None
        if doc_type == DocType.RECEIPT:
            folder = model_folder("live", registry_root)
        elif custom_type is not None:
            registry = Registry(registry_root)
            live = registry.live_id(custom_kind(custom_type))
            folder = registry.folder(live) if live else None
        else:
            return None
        return _card_reference((folder / "card.json").resolve()) if folder else None

    return lookup


@dataclass(frozen=True)
class ShadowReader:
    """A model running in shadow for a document type, and its extractor."""

    model_id: str
    extractor: FieldExtractor


def service_shadow_readers(data_dir: Path) -> Callable[[DocType], ShadowReader | None]:
    """Return a lookup of the model a service runs in shadow per document type, if any.

    Receipts only (the one kind the registry trains). The shadow reads with the service's
    reviewed memory when there is one, as it would once promoted, so the comparison with
    the live model is of the models alone. The lookup follows `<data_dir>/models/shadow.json`
    at once: starting or stopping a shadow needs no worker restart.
    """
    from paperclerk.learning.reviewed_memory import ReviewedMemory

    registry = Registry(data_dir / "models")
    memory = ReviewedMemory(data_dir)

    def lookup(doc_type: DocType) -> ShadowReader | None:
        if doc_type != DocType.RECEIPT:
            return None
        run = registry.shadow(RECEIPT_KIND)
        folder = registry.folder(run.model_id) if run else None
        if run is None or folder is None or not (folder / "model.json.gz").exists():
            return None
        trained = _load(folder.resolve(), True)
        reviewed = memory.current()
        if reviewed is not None:
            trained = TrainedReceiptExtractor(trained.model, reviewed)
        return ShadowReader(run.model_id, trained)

    return lookup
