"""Render the project's own synthetic proof documents as images with their truth (the dev set).

`paperclerk.datasets.synthetic_docs.labelled_document` lays out payslips, bank statements
and utility bills as words with boxes and records what it printed; this script draws the
lines at their boxes (a PDF of page images when there are several),
so that the documents go through OCR like a scan, and
writes OUT_DIR/<id>.png (or .pdf) with OUT_DIR/<id>.gt.json for `paperclerk eval proof`. The
extractors were tuned on this generator: figures on it are in-sample; the held-out set
comes from `scripts/make_heldout_proof.py`.

    python scripts/make_synthetic_proof_set.py OUT_DIR --count 20 --seed 3
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from paperclerk.datasets.synthetic_docs import labelled_document
from paperclerk.model import DocType, Page

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
TYPES = (DocType.PAYSLIP, DocType.BANK_STATEMENT, DocType.UTILITY_BILL)


def _draw(page: Page) -> Image.Image:
    """Draw a page's lines at their boxes on a white page 1240 px wide.

    Whole lines are drawn, not single words: the generator's word boxes are wider than the
    font's glyphs, and words drawn one by one would stand apart like separate columns.
    """
    scale = 1240 / page.width
    img = Image.new("L", (1240, int(page.height * scale)), 255)
    draw = ImageDraw.Draw(img)
    for line in page.lines:
        font = ImageFont.truetype(FONT, max(8, int(line.box.height * scale * 0.8)))
        draw.text((line.box.x0 * scale, line.box.y0 * scale), line.text, 0, font=font)
    return img


def main() -> None:
    """Write --count rendered documents of each proof type with their truth files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=20, help="documents per type")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    for doc_type in TYPES:
        for n in range(args.count):
            pages, _, truth, transactions = labelled_document(doc_type, rng)
            images = [_draw(page) for page in pages]
            stem = f"{doc_type.value}-{n:03d}"
            if len(images) == 1:
                images[0].save(args.out / f"{stem}.png")
            else:  # a scanned PDF: pages as images, no text layer
                images[0].save(
                    args.out / f"{stem}.pdf",
                    save_all=True,
                    append_images=images[1:],
                    resolution=150,
                )
            data: dict[str, object] = {"doc_type": doc_type.value, "fields": truth}
            if doc_type == DocType.BANK_STATEMENT:
                data["transactions"] = transactions
                data["continuity_broken"] = False
            (args.out / f"{stem}.gt.json").write_text(
                json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )


if __name__ == "__main__":
    main()
