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


def test_a_model_runs_in_shadow_and_is_promoted_from_the_command_line(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    assert registry.promote(_trained(registry, "m1", 1), 0.90, None, by="alice")
    _trained(registry, "m2", 2)
    assert _run(tmp_path, "shadow", "m1")[0] == 2  # the live model reads everything already
    assert _run(tmp_path, "shadow", "m9")[0] == 2
    code, out = _run(tmp_path, "shadow", "m2", "--reason", "retrained in March")
    assert code == 0 and "m2 runs in shadow" in out
    shadow = registry.shadow(KIND)
    assert shadow is not None and shadow.reason == "retrained in March"
    assert _run(tmp_path, "shadow-stop")[0] == 0 and registry.shadow(KIND) is None
    assert _run(tmp_path, "shadow-stop")[0] == 1
    assert _run(tmp_path, "promote", "m9", "--reason", "x")[0] == 2
    code, out = _run(tmp_path, "promote", "m2", "--reason", "agrees on 99 %")
    assert code == 0 and "m1 -> m2" in out and registry.live_id(KIND) == "m2"
    last = registry.history(KIND)[-1]
    assert (last.action, last.reason) == ("promote", "agrees on 99 %")
    assert last.by.startswith("models-cli:")


def test_the_shadow_report_compares_on_every_workspace_of_a_data_folder(tmp_path: Path) -> None:
    import json

    from paperclerk.cli.common import open_data_dir
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.repositories import create_document
    from paperclerk.storage.tables import ShadowReadingRow
    from paperclerk.storage.workspaces import create_workspace

    url, folder = open_data_dir(tmp_path / "data")
    nothing = runner.invoke(app, ["models", "shadow-report", "--data-dir", str(folder)])
    assert nothing.exit_code == 1 and "no model runs in shadow" in nothing.output
    with make_session_factory(make_engine(url)).begin() as s:
        for n, name in enumerate(("a", "b")):
            ws = create_workspace(s, name).id
            row, _ = create_document(s, ws, sha256=f"{n}".ljust(64, "0"), size_bytes=1)
            s.add(ShadowReadingRow(
                workspace_id=ws, document_id=row.id, doc_type="receipt", model_id="m2",
                live_model="m1", live_fields={"total": {"value": "1.00", "confidence": 0.9}},
                shadow_fields={"total": {"value": f"{n}.00", "confidence": 0.9}},
                live_automated=True, shadow_automated=False, agreed=n == 1, seconds=0.1,
            ))  # fmt: skip
    out = tmp_path / "report.json"
    args = ["models", "shadow-report", "--data-dir", str(folder), "--model", "m2", "--json"]
    result = runner.invoke(app, [*args, str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["documents"] == 2 and figures["fields"]["total"]["agreement"] == 0.5
    assert "straight through: live 100.0%, shadow 0.0%" in result.output
