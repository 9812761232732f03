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


def test_admin_policy_set_show_reset_round_trip(tmp_path: Path) -> None:
    import yaml

    from paperclerk.pipeline.policy import packaged_policy

    data = ["--data-dir", str(tmp_path)]
    packaged = packaged_policy().model_dump(mode="json")
    for name in ("acme", "other"):
        assert runner.invoke(app, ["admin", "create-workspace", name, *data]).exit_code == 0

    def show(name: str = "acme") -> dict[str, object]:
        result = runner.invoke(app, ["admin", "policy", "show", name, *data])
        assert result.exit_code == 0, result.output
        shown: dict[str, object] = yaml.safe_load(result.stdout)
        return shown

    assert show() == packaged
    override = tmp_path / "override.yaml"
    override.write_text(
        "types:\n  receipt:\n    auto_approve: false\n    min_type_confidence: 0.9\n"
    )
    result = runner.invoke(app, ["admin", "policy", "set", "acme", str(override), *data])
    assert result.exit_code == 0, result.output
    receipt = show()["types"]["receipt"]  # type: ignore[index]
    assert receipt["auto_approve"] is False and receipt["min_type_confidence"] == 0.9
    assert receipt["required"] == packaged["types"]["receipt"]["required"]  # type: ignore[index]
    assert show("other") == packaged
    # a bad override (JSON on stdin) exits non-zero with a readable message, changing nothing
    bad = '{"types": {"receipt": {"target_field_error": 3}}}'
    result = runner.invoke(app, ["admin", "policy", "set", "acme", "-", *data], input=bad)
    assert result.exit_code == 2
    assert "invalid policy" in result.output and "target_field_error" in result.output
    assert show()["types"]["receipt"]["auto_approve"] is False  # type: ignore[index]
    result = runner.invoke(app, ["admin", "policy", "set", "acme", "-", *data], input="a: [")
    assert result.exit_code == 2 and "not valid YAML or JSON" in result.output
    result = runner.invoke(app, ["admin", "policy", "set", "nobody", str(override), *data])
    assert result.exit_code == 1 and "no workspace nobody" in result.output
    # JSON on stdin replaces the override as a whole
    good = json.dumps({"types": {"invoice": {"auto_approve": False}}})
    result = runner.invoke(app, ["admin", "policy", "set", "acme", "-", *data], input=good)
    assert result.exit_code == 0, result.output
    shown = show()
    assert shown["types"]["invoice"]["auto_approve"] is False  # type: ignore[index]
    assert shown["types"]["receipt"] == packaged["types"]["receipt"]  # type: ignore[index]
    result = runner.invoke(app, ["admin", "policy", "reset", "acme", *data])
    assert result.exit_code == 0 and "override removed" in result.output
    assert show() == packaged
