"""Find and load the receipt extractor to run: a registry model, the packaged one, or rules."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from paperclerk.extract.base import FieldExtractor
from paperclerk.extract.receipt import RuleReceiptExtractor
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.learning.receipt_extractor import TrainedReceiptExtractor
from paperclerk.learning.receipt_model import ReceiptModel
from paperclerk.learning.registry import PACKAGED, RECEIPT_KIND, Registry
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
