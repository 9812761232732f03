"""The README's first command: `paperclerk serve --demo examples/` (what `make demo` runs)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperclerk.demo import demo_files, summary_line
from tests.conftest import EXAMPLES, ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_files_skip_scripts_and_hidden_files(tmp_path: Path) -> None:
    for name in ("a.png", "b.pdf", "make_examples.py", ".hidden.jpg", "campaign.yaml"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in demo_files(tmp_path)] == ["a.png", "b.pdf"]


def test_summary_line_names_type_decision_and_fields() -> None:
    doc = {"status": "done", "result": {"doc_type": "receipt", "decision": {"outcome": "x"},
           "fields": {"total": {"value": "9.00"}, "merchant_name": {"value": None}}}}  # fmt: skip
    assert summary_line("r.png", doc) == "r.png: receipt · x · total=9.00"
    failed = {"status": "failed", "error": {"code": "corrupt_input"}}
    assert summary_line("r.png", failed) == "r.png: failed corrupt_input"


def test_make_demo_takes_a_port() -> None:
    ran = subprocess.run(
        ["make", "-n", "demo", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "paperclerk serve --host 127.0.0.1 --port 8123 --demo examples/" in ran.stdout


@pytest.mark.slow
def test_serve_demo_sends_the_examples_through_the_api(tmp_path: Path) -> None:
    out, port = tmp_path / "out", _free_port()
    command = [sys.executable, "-m", "paperclerk", "serve", "--demo", str(EXAMPLES),
               "--demo-out", str(out), "--port", str(port),
               "--data-dir", str(tmp_path / "d")]  # fmt: skip
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PAPERCLERK_OCR_THREADS": "1"},
    )  # fmt: skip
    try:
        expected = {f"{p.name}.json" for p in demo_files(EXAMPLES)}
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and server.poll() is None:
            if out.exists() and {p.name for p in out.iterdir()} >= expected:
                break
            time.sleep(0.5)
        assert out.exists() and {p.name for p in out.iterdir()} >= expected
        invoice = json.loads((out / "invoice-digital.pdf.json").read_text())
        assert invoice["status"] == "done"
        assert invoice["result"]["fields"]["total"]["value"] == "82.11"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert "demo: invoice-digital.pdf: invoice" in output
    assert "API key pk_" in output
