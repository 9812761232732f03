"""Draw the package layers of paperclerk as checked by import-linter: docs/img/architecture.png.

Usage: .venv/bin/python scripts/architecture_diagram.py [--out docs/img/architecture.png]

The picture is read from the `layers` contract in pyproject.toml, the same one `make lint`
enforces, so it cannot drift from the code: one band per layer, top to bottom, packages that
may not import each other side by side (`a | b`), packages that may (`a : b`) joined.
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

ROOT = Path(__file__).resolve().parent.parent
ROLES = {
    "__main__": "entry point",
    "cli": "command line",
    "web": "delivery",
    "client": "API client",
    "loyalty": "use-case slices",
    "review": "review queue",
    "intake": "arrive / leave",
    "queue": "durable jobs",
    "storage": "database, blobs",
    "pipeline": "one pipeline",
    "learning": "models, rules",
    "datasets": "data sets",
    "extract": "extractors, pages",
    "engines": "OCR, images",
    "ingest": "files, values",
    "model": "document model",
}
SLICE_COLOUR, PIPELINE_COLOUR, OTHER_COLOUR = "#fde68a", "#bfdbfe", "#e5e7eb"


def layers(pyproject: Path) -> list[list[list[str]]]:
    """Return the layers contract: per layer, groups of packages that may import each other."""
    config = tomllib.loads(pyproject.read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    found = next(c for c in contracts if c.get("type") == "layers")
    return [
        [[m.strip() for m in group.split(":")] for group in layer.split("|")]
        for layer in found["layers"]
    ]


def colour(names: list[str]) -> str:
    """Return the band colour of a group: use-case slices, the pipeline, or the rest."""
    if "loyalty" in names:
        return SLICE_COLOUR
    if "pipeline" in names:
        return PIPELINE_COLOUR
    return OTHER_COLOUR


def draw(bands: list[list[list[str]]], out: Path) -> None:
    """Draw the bands top to bottom and save the picture."""
    height = 0.62 * len(bands) + 0.9
    fig, ax = plt.subplots(figsize=(9.5, height))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, len(bands) + 0.6)
    ax.axis("off")
    for row, band in enumerate(bands):
        y = len(bands) - row - 0.5
        width = 7.6 / len(band)
        for i, group in enumerate(band):
            x = 0.2 + i * width
            box = FancyBboxPatch(
                (x + 0.05, y - 0.3), width - 0.1, 0.6,
                boxstyle="round,pad=0.02", fc=colour(group), ec="#6b7280",
            )  # fmt: skip
            ax.add_patch(box)
            label = " : ".join(group) if len(group) < 4 else f"{group[0]} …"
            ax.text(x + width / 2, y, label, ha="center", va="center", fontsize=9)
        role = next((ROLES[n] for g in band for n in g if n in ROLES), "")
        ax.text(8.0, y, role, ha="left", va="center", fontsize=8.5, color="#374151")
    ax.annotate("", xy=(9.75, 0.3), xytext=(9.75, len(bands) + 0.1),
                arrowprops={"arrowstyle": "->", "color": "#6b7280"})  # fmt: skip
    ax.text(9.82, len(bands) / 2, "imports point down", rotation=270, va="center", fontsize=8)
    ax.set_title("paperclerk: package layers (import-linter contract in pyproject.toml)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def main() -> None:
    """Read the contract and write the picture."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "architecture.png")
    args = parser.parse_args()
    draw(layers(ROOT / "pyproject.toml"), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
