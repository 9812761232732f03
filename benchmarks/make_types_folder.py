"""Build the mixed document-type validation folder for `paperclerk eval types` (issue 12).

Only documents held back from training by the fixed split (`datasets.dataset.in_validation`
on the ids of `datasets.doctype_data`) go in, so the packaged document-type model (trained
on the training side only) has never seen any of them:
- `receipt/`: every second held-back SROIE receipt photo (`sroie/<id>`), as the JPEG;
- `invoice/`: the held-back invoice2data PDFs and PNGs and DocILE PDF, the held-back
  Factur-X PDFs (born-digital, text layer) and page 1 of every third of those rasterised to
  PNG (150 dpi; read by OCR);
- `identity_document/`: the held-back passport / ID / visa specimen photos;
- `other/`: the held-back non-ID images of the MRZ sets, held-back real text documents of
  `datasets.other_docs` (one per file, up to `TEXT_DOCS`, evenly spread) rendered to PNG
  with DejaVu Sans, and held-back pages of the ICAO 9303 specification (as one-page PDFs
  with their text layer, and as PNG renderings, alternately).

    .venv/bin/python benchmarks/make_types_folder.py ../shared/data /tmp/types-valid
    .venv/bin/paperclerk eval types /tmp/types-valid --json docs/results/types_validation.json

Deterministic: the same shared data and installed packages give the same folder.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from paperclerk.datasets.dataset import in_validation
from paperclerk.datasets.doctype_data import ICAO_SECTION, ID_IMAGES, IMAGE_SUFFIXES, OTHER_IMAGES
from paperclerk.datasets.other_docs import MRZ_LINE, icao_pdfs, text_documents
from paperclerk.datasets.pdf_pages import page_count, single_page_pdf

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
TEXT_DOCS = 30
ICAO_PAGES = 12
DPI = 150


def render_text(text: str, out: Path) -> None:
    """Render a page of text as a white A4-like PNG (150 dpi), as a clean scan would look."""
    font = ImageFont.truetype(str(FONT), 19) if FONT.exists() else ImageFont.load_default()
    image = Image.new("L", (1500, 2100), 255)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(text.splitlines()[:70]):
        draw.text((90, 90 + 27 * n), line, fill=0, font=font)
    image.save(out)


def render_pdf_page(data: bytes, out: Path) -> None:
    """Rasterise the first page of a PDF to PNG at `DPI`."""
    doc = pdfium.PdfDocument(data)
    try:
        doc[0].render(scale=DPI / 72).to_pil().convert("RGB").save(out)
    finally:
        doc.close()


def receipts(shared: Path, out: Path) -> int:
    """Copy every second held-back SROIE receipt photo."""
    held = [
        p
        for p in sorted((shared / "sroie" / "img").glob("*.jpg"))
        if in_validation(f"sroie/{p.stem}")
    ]
    for path in held[::2]:
        shutil.copy(path, out / "receipt" / path.name)
    return len(held[::2])


def invoices(shared: Path, out: Path) -> int:
    """Copy the held-back invoices; render page 1 of every third held-back Factur-X PDF."""
    n = 0
    i2d = shared / "invoices" / "invoice2data"
    for path in sorted((i2d / "compare").glob("*.p[dn][fg]")) + sorted(
        (i2d / "files").glob("*.pdf")
    ):
        if in_validation(f"invoice2data/{path.stem}"):
            shutil.copy(path, out / "invoice" / f"i2d-{path.name}")
            n += 1
    for path in sorted((shared / "invoices" / "docile_sample").rglob("*.pdf")):
        if in_validation(f"docile/{path.stem}"):
            shutil.copy(path, out / "invoice" / f"docile-{path.name}")
            n += 1
    held = [
        p
        for p in sorted((shared / "einvoices" / "facturx_pdf").glob("*.pdf"))
        if in_validation(f"einvoices/{p.stem}")
    ]
    for k, path in enumerate(held):
        shutil.copy(path, out / "invoice" / path.name)
        n += 1
        if k % 3 == 0:
            render_pdf_page(single_page_pdf(path, 0), out / "invoice" / f"{path.stem}-scan.png")
            n += 1
    return n


def mrz_images(shared: Path, out: Path) -> int:
    """Copy the held-back specimen photos (identity) and non-ID photos (other)."""
    n = 0
    for folder in ID_IMAGES:
        root = shared / "mrz" / folder
        if not root.is_dir():
            continue
        for image in sorted(root.iterdir()):
            doc_id = f"mrz/{folder.split('/')[0]}/{image.stem}"
            if image.suffix.lower() in IMAGE_SUFFIXES and in_validation(doc_id):
                kind = "other" if image.name in OTHER_IMAGES else "identity_document"
                shutil.copy(image, out / kind / f"{folder.replace('/', '-')}-{image.name}")
                n += 1
    return n


def other_texts(out: Path) -> int:
    """Render the first page of held-back real text documents, evenly spread, to PNG."""
    held = [
        (doc, page) for doc, n, page in text_documents() if n == 0 and in_validation(doc.doc_id)
    ]
    step = max(1, len(held) // TEXT_DOCS)
    chosen = held[::step][:TEXT_DOCS]
    for doc, page in chosen:
        name = f"{doc.source}-{doc.name}".replace("/", "-").replace(" ", "_")
        render_text("\n".join(line.text for line in page.lines), out / "other" / f"{name}.png")
    return len(chosen)


def icao_pages(shared: Path, out: Path) -> int:
    """Write held-back specification pages: one-page PDFs and PNG renderings, alternately."""
    picked: list[tuple[Path, int]] = []
    for pdf in icao_pdfs(shared):
        doc = pdfium.PdfDocument(pdf.read_bytes())
        for index in range(1, page_count(pdf), 3):
            if not in_validation(f"other/icao/{pdf.stem}/s{index // ICAO_SECTION}"):
                continue
            text = doc[index].get_textpage().get_text_range()
            lines = [line for line in text.splitlines() if line.strip()]
            if len(lines) >= 5 and not MRZ_LINE.search(text.replace(" ", "")):
                picked.append((pdf, index))
        doc.close()
    step = max(1, len(picked) // ICAO_PAGES)
    chosen = picked[::step][:ICAO_PAGES]
    for k, (pdf, index) in enumerate(chosen):
        data = single_page_pdf(pdf, index)
        target = out / "other" / f"{pdf.stem}-p{index}"
        if k % 2:
            render_pdf_page(data, target.with_suffix(".png"))
        else:
            target.with_suffix(".pdf").write_bytes(data)
    return len(chosen)


def main() -> None:
    """Build the folder; refuse to write into a folder that is not empty."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("shared_data", type=Path, help="../shared/data")
    parser.add_argument("out", type=Path, help="folder to create (must be absent or empty)")
    args = parser.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        sys.exit(f"{args.out} is not empty")
    for kind in ("receipt", "invoice", "identity_document", "other"):
        (args.out / kind).mkdir(parents=True, exist_ok=True)
    counts = {
        "receipts": receipts(args.shared_data, args.out),
        "invoices": invoices(args.shared_data, args.out),
        "mrz images": mrz_images(args.shared_data, args.out),
        "other text documents": other_texts(args.out),
        "specification pages": icao_pages(args.shared_data, args.out),
    }
    print(", ".join(f"{v} {k}" for k, v in counts.items()), f"written to {args.out}")


if __name__ == "__main__":
    main()
