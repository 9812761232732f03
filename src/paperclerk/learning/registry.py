"""The model registry: every trained model with its card, and which one is live per kind."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

PACKAGED = Path(__file__).resolve().parent / "default_models"
RECEIPT_KIND = "receipt-extractor"
MEMORY_FILE = "memory.json"


def code_version() -> str:
    """Return the paperclerk version, plus the git commit when running from a checkout."""
    version = metadata.version("paperclerk")
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return f"{version}+{rev}" if rev else version


class ModelCard(BaseModel):
    """What a stored model is, what it was trained on and how good it measured."""

    id: str
    kind: str
    created_at: dt.datetime
    training_data_hash: str
    validation_data_hash: str | None = None
    code_version: str
    metrics: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    status: str = Field("candidate", description="'live', 'candidate', 'retired' or 'rejected'.")
    note: str = ""


def new_model_id(kind: str) -> str:
    """Return a sortable, unique id: kind, UTC time and a short random suffix."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{kind}-{stamp}-{uuid.uuid4().hex[:6]}"


class Registry:
    """Models stored under one folder: `<id>/model.*` and `<id>/card.json`, `live.json`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, model_id: str) -> Path:
        """Return the folder of one model."""
        return self.root / model_id

    def cards(self, kind: str | None = None) -> list[ModelCard]:
        """Every stored model card, oldest first."""
        if not self.root.exists():
            return []
        cards = [
            ModelCard.model_validate_json(p.read_text())
            for p in sorted(self.root.glob("*/card.json"))
        ]
        return [c for c in cards if kind is None or c.kind == kind]

    def card(self, model_id: str) -> ModelCard:
        """Return the card of one model; KeyError when it is not stored."""
        path = self.folder(model_id) / "card.json"
        if not path.exists():
            raise KeyError(model_id)
        return ModelCard.model_validate_json(path.read_text())

    def save_card(self, card: ModelCard) -> None:
        """Write a model card."""
        folder = self.folder(card.id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "card.json").write_text(card.model_dump_json(indent=2))

    def live_id(self, kind: str) -> str | None:
        """Return the id of the live model of a kind, if one was promoted."""
        path = self.root / "live.json"
        if not path.exists():
            return None
        live = json.loads(path.read_text()).get(kind)
        return str(live) if live else None

    def promote(self, card: ModelCard, score: float, live_score: float | None) -> bool:
        """Make a candidate live when it scores at least as well as the live model.

        `score` and `live_score` must be measured now, on the same frozen validation set; a
        candidate that scores lower is kept with its figures and marked 'rejected'.
        """
        live = self.live_id(card.kind)
        live_card = self.card(live) if live else None
        if live_card is not None and live_card.id != card.id:
            if live_score is not None and score < live_score:
                card.status = "rejected"
                card.note = f"validation {score:.4f} < live {live_score:.4f} ({live_card.id})"
                self.save_card(card)
                return False
            live_card.status = "retired"
            self.save_card(live_card)
        card.status = "live"
        card.note = "" if live_score is None else f"validation {score:.4f} ≥ live {live_score:.4f}"
        self.save_card(card)
        path = self.root / "live.json"
        mapping = json.loads(path.read_text()) if path.exists() else {}
        mapping[card.kind] = card.id
        path.write_text(json.dumps(mapping, indent=2, sort_keys=True))
        return True
