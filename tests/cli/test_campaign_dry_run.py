"""`paperclerk campaign dry-run`: sample receipts decided against a campaign, nothing stored."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

import paperclerk.engines.registry as registry
from paperclerk.cli import app
from paperclerk.engines.base import OcrWord
from paperclerk.model import Box
from paperclerk.pages.layout import split_line

runner = CliRunner()

# One receipt, as a fake OCR engine reads it from any picture: a genuine Milo purchase.
RECEIPT = [
    (100, 10, "KEDAI RUNCIT MAJU JAYA SDN BHD"),
    (120, 40, "GST ID: 001234567890"),
    (20, 70, "DATE: 12/04/2018"),
    (20, 100, "MILO 3IN1 18X30G"),
    (400, 100, "12.90"),
    (20, 130, "BREAD 400G 2 x 7.35"),
    (400, 130, "14.70"),
    (20, 160, "TOTAL (RM)"),
    (400, 160, "27.60"),
]

CAMPAIGN = """\
id: milo-dry
starts: 2018-04-01
ends: 2018-04-30
submit_until: 2030-12-31
timezone: Asia/Kuala_Lumpur
currency: MYR
retailers:
  - name: Kedai Runcit Maju Jaya
min_spend: 27.55
products:
  - id: milo
    name: Milo 3 in 1
    aliases: ["MILO 3IN1 18X30G"]
reward: {kind: fixed, amount: 2}
auto_approve_confidence: 0.5
"""


class FakeOcr:
    """Reads the same receipt from every picture."""

    name = "fake"
    version = "fake-1"

    def read(self, image: object) -> list[OcrWord]:
        words: list[OcrWord] = []
        for n, (x, y, text) in enumerate(RECEIPT):
            box = Box(x0=x, y0=y, x1=x + 9 * len(text), y1=y + 20)
            words.extend(split_line(text, box, 0.99, n))
        return words


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (500, 400), "white").save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(registry, "get_engine", lambda *a, **k: FakeOcr())
    folder = tmp_path / "samples"
    folder.mkdir()
    (folder / "a.png").write_bytes(_png())
    (folder / "b.png").write_bytes(_png())  # the same receipt again: no duplicate in a dry run
    (folder / "broken.png").write_bytes(b"not a picture")
    (folder / "notes.txt").write_text("ignored")
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN)
    return folder


def test_dry_run_decides_each_sample_and_stores_nothing(samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    before = set(tmp_path.rglob("*"))
    r = runner.invoke(
        app,
        [
            "campaign",
            "dry-run",
            str(tmp_path / "campaign.yaml"),
            str(samples),
            "--json",
            str(out),
            "--today",
            "2018-05-02",
        ],
    )
    assert r.exit_code == 0, r.output
    report = json.loads(out.read_text())
    outcomes = {row["file"]: row["outcome"] for row in report["receipts"]}
    assert outcomes == {"a.png": "approved", "b.png": "approved", "broken.png": "error"}
    assert report["summary"] == {"approved": 2, "error": 1}
    assert report["receipts"][0]["reward"] == "2.00"
    assert "a.png" in r.stdout and "approved" in r.stdout and "3 receipts" in r.stdout
    assert set(tmp_path.rglob("*")) - before == {out}  # no database, no blobs


def test_dry_run_shows_why_receipts_fail(samples: Path, tmp_path: Path) -> None:
    strict = tmp_path / "strict.yaml"
    strict.write_text(CAMPAIGN.replace("min_spend: 27.55", "min_spend: 50"))
    r = runner.invoke(
        app, ["campaign", "dry-run", str(strict), str(samples), "--today", "2018-05-02"]
    )
    assert r.exit_code == 0, r.output
    assert "rejected" in r.stdout and "minimum 50" in r.stdout


def test_dry_run_reports_a_bad_campaign_and_an_empty_folder(samples: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CAMPAIGN.replace("retailers:", "retailer:"))
    r = runner.invoke(app, ["campaign", "dry-run", str(bad), str(samples)])
    assert r.exit_code == 3 and "unknown key 'retailer'" in r.output
    assert "'retailers'" in r.output
    empty = tmp_path / "empty"
    empty.mkdir()
    r = runner.invoke(app, ["campaign", "dry-run", str(tmp_path / "campaign.yaml"), str(empty)])
    assert r.exit_code == 2
