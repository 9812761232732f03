"""`paperclerk campaign check` and `paperclerk eval duplicates`, run in-process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperclerk.cli import app
from paperclerk.storage.blobs import BlobStore
from tests.conftest import EXAMPLES

runner = CliRunner()
CAMPAIGN = str(EXAMPLES / "campaign.yaml")


@pytest.mark.slow
def test_campaign_check_prints_one_decision_per_receipt(tmp_path: Path) -> None:
    scan = str(EXAMPLES / "receipt-scan.png")
    result = runner.invoke(
        app,
        [
            "campaign",
            "check",
            scan,
            scan,
            "--campaign",
            CAMPAIGN,
            "--participant",
            "p1",
            "--json",
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["outcome"] for r in lines] == ["approved", "rejected"]
    assert lines[0]["reward"] == "2.00"
    assert BlobStore.in_data_dir(tmp_path).exists(lines[0]["sha256"])  # the original is kept
    assert any(
        f["rule_id"] == "duplicates.identical_file" and not f["passed"]
        for f in lines[1]["findings"]
    )
    # the data dir keeps the submissions: a later run still sees the duplicate
    again = runner.invoke(
        app,
        [
            "campaign",
            "check",
            scan,
            "--campaign",
            CAMPAIGN,
            "--participant",
            "p2",
            "--json",
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert json.loads(again.stdout.splitlines()[-1])["outcome"] == "rejected"


def test_campaign_check_reports_bad_campaign_and_bad_receipt(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [")
    r = runner.invoke(
        app,
        [
            "campaign",
            "check",
            str(EXAMPLES / "receipt-scan.png"),
            "--campaign",
            str(bad),
            "--participant",
            "p",
        ],
    )
    assert r.exit_code == 3 and "invalid_campaign" in r.output
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"hello")
    r = runner.invoke(
        app, ["campaign", "check", str(junk), "--campaign", CAMPAIGN, "--participant", "p"]
    )
    assert r.exit_code == 3 and "unsupported_media_type" in r.output
    r = runner.invoke(
        app,
        [
            "campaign",
            "check",
            str(tmp_path / "none.png"),
            "--campaign",
            CAMPAIGN,
            "--participant",
            "p",
        ],
    )
    assert r.exit_code == 2


def test_eval_duplicates_reports_precision_and_recall(tmp_path: Path) -> None:
    folder = tmp_path / "receipts"
    folder.mkdir()
    shutil.copy(EXAMPLES / "receipt-scan.png", folder / "a.png")
    shutil.copy(EXAMPLES / "receipt-scan.png", folder / "b.png")  # same receipt, other name
    out = tmp_path / "dup.json"
    r = runner.invoke(
        app, ["eval", "duplicates", str(folder), "--seed", "1", "--no-ocr", "--json", str(out)]
    )
    assert r.exit_code == 0, r.output
    figures = json.loads(out.read_text())
    assert set(figures) >= {"precision", "recall", "pairs"}
    # a.png and b.png are identical bytes of different "receipts": a false pair by the labels
    assert figures["pairs"]["predicted"] >= 1
    assert 0.0 <= figures["precision"] <= 1.0 and 0.0 <= figures["recall"] <= 1.0
    again = tmp_path / "dup2.json"
    runner.invoke(
        app, ["eval", "duplicates", str(folder), "--seed", "1", "--no-ocr", "--json", str(again)]
    )
    assert json.loads(again.read_text()) == figures  # the seed fixes everything


def test_eval_duplicates_needs_images(tmp_path: Path) -> None:
    r = runner.invoke(app, ["eval", "duplicates", str(tmp_path)])
    assert r.exit_code == 2
