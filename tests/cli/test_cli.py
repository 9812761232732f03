"""The command line, run in-process with Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from paperclerk.cli import app
from tests.conftest import EXAMPLES, FIXTURES

runner = CliRunner()


def test_process_writes_one_json_per_input(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["process", str(EXAMPLES / "invoice-digital.pdf"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "invoice-digital.json").read_text())
    assert doc["doc_type"] == "invoice"
    assert doc["fields"]["total"]["value"] == "82.11"
    assert doc["pages"][0]["text_source"] == "pdf-text"


def test_process_bad_input_exits_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"this is not a pdf at all")
    result = runner.invoke(app, ["process", str(bad), "--out", str(tmp_path)])
    assert result.exit_code == 3
    assert "unsupported_media_type" in result.output


def test_process_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["process", str(empty)])
    assert result.exit_code == 3
    assert "empty_input" in result.output


def test_unknown_engine(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["process", str(EXAMPLES / "invoice-digital.pdf"), "--engine", "magic"]
    )
    assert result.exit_code == 4


def test_eval_sroie_given_ocr_json(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    result = runner.invoke(
        app, ["eval", "sroie", str(FIXTURES / "sroie_mini"), "--given-ocr", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert set(figures) >= {"micro_f1", "fields", "docs", "seconds_per_doc"}
    assert figures["docs"] == 2
    assert figures["micro_f1"] == 1.0
    assert set(figures["fields"]) == {"company", "address", "date", "total"}
    assert "micro" in result.output


def test_eval_sroie_rejects_wrong_layout(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "sroie", str(tmp_path)])
    assert result.exit_code == 2
