"""`paperclerk models rollback|history|list`: the previous model back in one command, audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from paperclerk.cli import app
from paperclerk.learning.loader import model_folder
from paperclerk.learning.registry import ModelCard, Registry

runner = CliRunner()
KIND = "receipt-extractor"


def _trained(registry: Registry, model_id: str, day: int) -> ModelCard:
    card = ModelCard(
        id=model_id, kind=KIND, created_at=dt.datetime(2027, 1, day, tzinfo=dt.UTC),
        training_data_hash="h" * 12, code_version="test", training_examples=490,
        training_sources={"sroie-engine": 245, "sroie-given": 245},
    )  # fmt: skip
    registry.save_card(card)
    (registry.folder(model_id) / "model.json.gz").write_bytes(b"")
    return card


def _run(root: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["models", *args, "--registry", str(root)])
    return result.exit_code, result.output


def test_rollback_restores_the_model_live_before_and_records_who_and_why(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    assert registry.promote(_trained(registry, "m1", 1), 0.90, None, by="alice")
    assert registry.promote(_trained(registry, "m2", 2), 0.91, 0.90, by="retraining")
    assert registry.card("m2").promoted_by == "retraining"

    code, out = _run(tmp_path, "rollback", "--reason", "names got worse")
    assert code == 0 and "m2 -> m1" in out
    assert registry.live_id(KIND) == "m1"
    assert model_folder("live", tmp_path) == registry.folder("m1")  # workers follow at once
    assert registry.card("m2").status == "retired"
    assert registry.card("m1").note.endswith("names got worse")
    last = registry.history(KIND)[-1]
    assert (last.action, last.from_id, last.to_id, last.reason) == (
        "rollback",
        "m2",
        "m1",
        "names got worse",
    )
    assert last.by.startswith("models-cli:")

    code, out = _run(tmp_path, "rollback", "--reason", "back to the packaged model")
    assert code == 0 and registry.live_id(KIND) is None  # m1 was the first: packaged again
    code, out = _run(tmp_path, "rollback", "--reason", "again")
    assert code == 1 and "already in use" in out

    code, out = _run(tmp_path, "rollback", "--to", "m9", "--reason", "typo")
    assert code == 2
    code, out = _run(tmp_path, "rollback", "--to", "m2", "--reason", "m2 was fine after all")
    assert code == 0 and registry.live_id(KIND) == "m2"

    code, out = _run(tmp_path, "history")
    assert code == 0 and "alice" in out and "retraining" in out
    actions = [c.action for c in registry.history(KIND)]
    assert actions == ["promote", "promote", "rollback", "rollback", "rollback"]
    code, out = _run(tmp_path, "list")
    assert code == 0 and "490" in out
