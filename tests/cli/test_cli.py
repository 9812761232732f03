"""The command line, run in-process with Typer's runner."""

from __future__ import annotations

import io
import json
import shutil
import socket
from pathlib import Path

from PIL import Image
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
    doc = json.loads((out / "invoice-digital.pdf.json").read_text())
    assert doc["doc_type"] == "invoice"
    assert doc["fields"]["total"]["value"] == "82.11"
    assert doc["pages"][0]["text_source"] == "pdf-text"


def test_process_names_outputs_by_relative_path_and_reports_skipped_files(
    tmp_path: Path,
) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    (inbox / "sub").mkdir(parents=True)
    buf = io.BytesIO()
    Image.new("L", (120, 60), 255).save(buf, "PNG")
    (inbox / "scan.png").write_bytes(buf.getvalue())
    shutil.copy(EXAMPLES / "invoice-digital.pdf", inbox / "scan.pdf")
    shutil.copy(EXAMPLES / "invoice-digital.pdf", inbox / "sub" / "scan.pdf")
    (inbox / "notes.docx").write_bytes(b"PK\x03\x04 not a document")
    (inbox / ".DS_Store").write_bytes(b"\x00")
    result = runner.invoke(app, ["process", str(inbox), "--out", str(out)])
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.json"))
    assert written == ["scan.pdf.json", "scan.png.json", "sub/scan.pdf.json"]
    assert json.loads((out / "sub" / "scan.pdf.json").read_text())["doc_type"] == "invoice"
    assert result.exit_code == 3, result.output
    assert "skipped 1 file" in result.output and "notes.docx" in result.output
    assert ".DS_Store" not in result.output


def test_process_refuses_two_inputs_with_one_output_name(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(EXAMPLES / "invoice-digital.pdf", tmp_path / folder / "x.pdf")
    out = tmp_path / "out"
    files = [str(tmp_path / "a" / "x.pdf"), str(tmp_path / "b" / "x.pdf")]
    result = runner.invoke(app, ["process", *files, "--out", str(out)])
    assert result.exit_code == 2
    assert "x.pdf.json" in result.output and "nothing processed" in result.output
    assert not out.exists()


def test_submit_to_an_unreachable_service_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    doc = tmp_path / "r.pdf"
    shutil.copy(EXAMPLES / "invoice-digital.pdf", doc)
    result = runner.invoke(app, ["submit", str(doc), str(doc), "--url", closed, "--key", "k"])
    assert result.exit_code == 5
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "service_unreachable" in lines[0] and closed in lines[0]


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
