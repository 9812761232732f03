"""`paperclerk audit verify|export`: an intact chain, a tampered row found, JSON lines out."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from paperclerk.cli import app
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.repositories import create_document
from paperclerk.storage.tables import AuditEvent
from paperclerk.storage.workspaces import get_workspace_by_name

runner = CliRunner()


def _trail(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert runner.invoke(app, ["admin", "create-workspace", "acme", *data]).exit_code == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'paperclerk.db'}")
    with make_session_factory(engine).begin() as s:
        ws = get_workspace_by_name(s, "acme")
        assert ws is not None
        doc, _ = create_document(s, ws.id, sha256="a" * 64, size_bytes=1)
        for value in ("12.50", "13.50"):
            s.add(
                AuditEvent(
                    document_id=doc.id, workspace_id=ws.id, actor_kind="person",
                    actor_id="rev@x.org", action="correct", field="total", new_value=value,
                )
            )  # fmt: skip
    engine.dispose()


def test_verify_passes_an_intact_trail_and_fails_a_row_changed_in_the_database(
    tmp_path: Path,
) -> None:
    _trail(tmp_path)
    data = ["--data-dir", str(tmp_path)]
    ok = runner.invoke(app, ["audit", "verify", "--json", str(tmp_path / "v.json"), *data])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output
    assert json.loads((tmp_path / "v.json").read_text())["entries"] == 2
    with sqlite3.connect(tmp_path / "paperclerk.db") as db:
        db.execute("UPDATE audit_events SET new_value = '\"1300.50\"' WHERE seq = 2")
    broken = runner.invoke(app, ["audit", "verify", *data])
    assert broken.exit_code == 1
    assert "entry 2\tits values were changed" in broken.output
    assert "BROKEN" in broken.output


def test_export_writes_the_entries_since_a_date_as_json_lines(tmp_path: Path) -> None:
    _trail(tmp_path)
    data = ["--data-dir", str(tmp_path)]
    out = tmp_path / "audit.jsonl"
    result = runner.invoke(
        app, ["audit", "export", "--since", "2020-01-01", "--out", str(out), *data]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["seq"] for e in lines] == [1, 2]
    assert lines[1]["prev_hash"] == lines[0]["entry_hash"]
    assert f"entry 2 {lines[1]['entry_hash']}" in result.output
    later = runner.invoke(app, ["audit", "export", "--since", "2999-01-01", *data])
    assert later.exit_code == 0 and later.stdout.strip() == ""
    bad = runner.invoke(app, ["audit", "export", "--since", "yesterday", *data])
    assert bad.exit_code == 2
