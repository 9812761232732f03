"""The model registry: every trained model with its card, and which one is live per kind.

Every change of the live model — a promotion after training, a rollback by a person — is
appended to `history.jsonl` in the registry folder with who, when, from which model to
which and why, and the cards say who promoted each model and when.

A stored model that is not live may run in shadow (`shadow.json`): workers read each
document with it too, beside the live model, without using what it reads, so its agreement
with the live model and its accuracy on reviewed documents can be shown before a person
promotes it (`monitoring.shadow`). Starting, stopping and promoting a shadow are logged too.
"""

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
HISTORY_FILE = "history.jsonl"
SHADOW_FILE = "shadow.json"


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
    training_examples: int | None = Field(None, description="Examples trained on.")
    training_sources: dict[str, int] = Field(
        default_factory=dict, description="Examples per source ('sroie-engine', 'review'…)."
    )
    promoted_at: dt.datetime | None = None
    promoted_by: str | None = None
    drift_reference: dict[str, Any] = Field(
        default_factory=dict,
        description="Confidence distributions of the training data (`learning.drift_reference`).",
    )


class ModelChange(BaseModel):
    """One change of a kind's live model: a promotion or a rollback, by whom and why."""

    at: dt.datetime
    kind: str
    action: str = Field(
        description="'promote', 'rollback', 'shadow' (a model starts running in shadow) or "
        "'shadow-stop'."
    )
    from_id: str | None = Field(description="The model live before; None: the packaged one.")
    to_id: str | None = Field(description="The model live after; None: the packaged one.")
    by: str
    reason: str = ""


class ShadowRun(BaseModel):
    """The model a kind runs in shadow, since when and at whose request."""

    model_id: str
    since: dt.datetime
    by: str
    reason: str = ""


class NothingToRollBackError(LookupError):
    """The kind has no live model in the registry, so the packaged one is already in use."""


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

    def promote(
        self, card: ModelCard, score: float, live_score: float | None, by: str = "training"
    ) -> bool:
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
        card.promoted_at, card.promoted_by = dt.datetime.now(dt.UTC), by
        self.save_card(card)
        self._set_live(card.kind, card.id)
        self._end_shadow_of(card.kind, card.id)
        self._log(ModelChange(at=card.promoted_at, kind=card.kind, action="promote",
                              from_id=live, to_id=card.id, by=by, reason=card.note))  # fmt: skip
        return True

    def _set_live(self, kind: str, model_id: str | None) -> None:
        path = self.root / "live.json"
        mapping = json.loads(path.read_text()) if path.exists() else {}
        if model_id is None:
            mapping.pop(kind, None)
        else:
            mapping[kind] = model_id
        self.root.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(mapping, indent=2, sort_keys=True))

    def _log(self, change: ModelChange) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / HISTORY_FILE).open("a", encoding="utf-8") as out:
            out.write(change.model_dump_json() + "\n")

    def history(self, kind: str | None = None) -> list[ModelChange]:
        """Every change of a live model, oldest first."""
        path = self.root / HISTORY_FILE
        if not path.exists():
            return []
        changes = [
            ModelChange.model_validate_json(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        return [c for c in changes if kind is None or c.kind == kind]

    def previous_live(self, kind: str) -> str | None:
        """Return the model that was live before the current one; None: the packaged one.

        Read from the history: the model the current one replaced when it was promoted, so
        rolling back twice goes two promotions back rather than to and fro. Without a
        recorded promotion, the newest retired model older than the current one.
        """
        current = self.live_id(kind)
        if current is None:
            raise NothingToRollBackError(f"no {kind} model is live in {self.root}")
        for change in reversed(self.history(kind)):
            if change.action == "promote" and change.to_id == current:
                return change.from_id
        created = self.card(current).created_at
        older = [c for c in self.cards(kind) if c.status == "retired" and c.created_at < created]
        return older[-1].id if older else None

    def rollback(self, kind: str, by: str, reason: str, to: str | None = None) -> ModelChange:
        """Make the previous model (or `to`) live again; the change is logged with who and why.

        `to` may name any stored model of the kind; None rolls back to the one live before.
        Rolling back past the first registered model puts the packaged model back in use.
        """
        current = self.live_id(kind)
        target = to if to is not None else self.previous_live(kind)
        if target is not None:
            card = self.card(target)
            if card.kind != kind or not any(self.folder(target).glob("model.*")):
                raise KeyError(target)
            card.status, card.note = "live", f"restored by {by}: {reason}"
            card.promoted_at, card.promoted_by = dt.datetime.now(dt.UTC), by
            self.save_card(card)
        if current is not None and current != target:
            old = self.card(current)
            old.status, old.note = "retired", f"rolled back by {by}: {reason}"
            self.save_card(old)
        self._set_live(kind, target)
        if target is not None:
            self._end_shadow_of(kind, target)
        change = ModelChange(at=dt.datetime.now(dt.UTC), kind=kind, action="rollback",
                             from_id=current, to_id=target, by=by, reason=reason)  # fmt: skip
        self._log(change)
        return change

    def shadow(self, kind: str) -> ShadowRun | None:
        """Return the model running in shadow for a kind, if one does."""
        path = self.root / SHADOW_FILE
        if not path.exists():
            return None
        entry = json.loads(path.read_text()).get(kind)
        return ShadowRun.model_validate(entry) if entry else None

    def start_shadow(self, kind: str, model_id: str, by: str, reason: str = "") -> ShadowRun:
        """Run a stored, not live model of a kind in shadow from now on (replacing another).

        KeyError when the registry holds no such model of the kind; ValueError when it is
        the live one (it reads every document already).
        """
        card = self.card(model_id)
        if card.kind != kind or not any(self.folder(model_id).glob("model.*")):
            raise KeyError(model_id)
        if self.live_id(kind) == model_id:
            raise ValueError(f"{model_id} is the live model")
        run = ShadowRun(model_id=model_id, since=dt.datetime.now(dt.UTC), by=by, reason=reason)
        self._set_shadow(kind, run)
        self._log(ModelChange(at=run.since, kind=kind, action="shadow", from_id=self.live_id(kind),
                              to_id=model_id, by=by, reason=reason))  # fmt: skip
        return run

    def stop_shadow(self, kind: str, by: str, reason: str = "") -> ShadowRun | None:
        """Stop running a kind's shadow model; return what ran (None: nothing did)."""
        run = self.shadow(kind)
        if run is None:
            return None
        self._set_shadow(kind, None)
        self._log(ModelChange(at=dt.datetime.now(dt.UTC), kind=kind, action="shadow-stop",
                              from_id=self.live_id(kind), to_id=run.model_id, by=by,
                              reason=reason))  # fmt: skip
        return run

    def promote_by(self, kind: str, model_id: str, by: str, reason: str) -> ModelChange:
        """Make a stored model live at a person's decision, past the validation gate.

        For a model a person promotes after seeing it in shadow: the gate compares on the
        frozen validation set only, the shadow on live traffic. The live model is retired,
        a shadow of this model ends, and the change is logged with who and why.
        """
        card = self.card(model_id)
        if card.kind != kind or not any(self.folder(model_id).glob("model.*")):
            raise KeyError(model_id)
        current = self.live_id(kind)
        if current is not None and current != model_id:
            old = self.card(current)
            old.status, old.note = "retired", f"replaced by {model_id} ({by})"
            self.save_card(old)
        card.status, card.note = "live", f"promoted by {by}: {reason}"
        card.promoted_at, card.promoted_by = dt.datetime.now(dt.UTC), by
        self.save_card(card)
        self._set_live(kind, model_id)
        self._end_shadow_of(kind, model_id)
        change = ModelChange(at=card.promoted_at, kind=kind, action="promote",
                             from_id=current, to_id=model_id, by=by, reason=reason)  # fmt: skip
        self._log(change)
        return change

    def _end_shadow_of(self, kind: str, model_id: str) -> None:
        """End the shadow run of a model that goes live."""
        shadow = self.shadow(kind)
        if shadow is not None and shadow.model_id == model_id:
            self._set_shadow(kind, None)

    def _set_shadow(self, kind: str, run: ShadowRun | None) -> None:
        path = self.root / SHADOW_FILE
        mapping = json.loads(path.read_text()) if path.exists() else {}
        if run is None:
            mapping.pop(kind, None)
        else:
            mapping[kind] = run.model_dump(mode="json")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(mapping, indent=2, sort_keys=True))
        tmp.replace(path)
