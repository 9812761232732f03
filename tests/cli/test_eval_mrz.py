"""`paperclerk eval mrz` on drawn passports, one with a deliberately broken check digit."""

from __future__ import annotations

import json
import random
from pathlib import Path

import cv2
from typer.testing import CliRunner

from paperclerk.cli import app
from paperclerk.datasets.synthetic_identity import break_check_digit, random_fields, render_identity
from paperclerk.parsers.mrz_build import build_mrz
from paperclerk.parsers.mrz_formats import MrzFormat

runner = CliRunner()


def test_eval_mrz_writes_every_figure(tmp_path: Path) -> None:
    rng = random.Random(5)
    records = []
    for i, (fmt, code) in enumerate([(MrzFormat.TD3, "P"), (MrzFormat.TD1, "ID")]):
        image, lines = render_identity(random_fields(rng, code), fmt, angle=90 * i)
        cv2.imwrite(str(tmp_path / f"doc{i}.png"), image)
        records.append({"image": f"doc{i}.png", "mrz": "\n".join(lines)})
    holder = random_fields(rng)
    broken = break_check_digit(build_mrz(MrzFormat.TD3, holder.fields), rng)
    image, _ = render_identity(holder, MrzFormat.TD3, mrz_lines=broken)
    cv2.imwrite(str(tmp_path / "broken.png"), image)
    records.append({"image": "broken.png", "mrz": "\n".join(broken), "valid": False})
    records.append({"image": "blank.png", "mrz": None})
    cv2.imwrite(str(tmp_path / "blank.png"), image[:300])
    (tmp_path / "ground_truth.json").write_text(json.dumps({"records": records}))
    out = tmp_path / "mrz.json"

    result = runner.invoke(app, ["eval", "mrz", str(tmp_path), "--json", str(out)])

    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["exact_documents"] == 1.0 and figures["exact_lines"] == 1.0
    assert figures["invalid_flagged"] == 1.0
    assert figures["false_repairs"] == 0 and figures["false_positives"] == 0
    assert figures["seconds_per_image"] > 0
    assert figures["records"][2]["read_valid"] is False


def test_eval_mrz_refuses_a_missing_truth_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "mrz", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot read the truth file" in result.output
