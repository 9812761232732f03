"""`paperclerk split`: a batch PDF of two invoices cut into two PDFs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdfium2 as pdfium
from typer.testing import CliRunner

from paperclerk.cli import app

runner = CliRunner()


def text_pdf(pages: list[list[str]]) -> bytes:
    """A born-digital PDF (A4, Helvetica) with each page's lines from the top, made by hand."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for page_id, lines in zip(page_ids, pages, strict=True):
        ops = [b"BT /F1 11 Tf"]
        for n, line in enumerate(lines):
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(b"1 0 0 1 50 %d Tm (%s) Tj" % (800 - 16 * n, escaped.encode("latin-1")))
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


SPACER = [""] * 30
INVOICE_A = [
    ["Northwind Traders Ltd", "INVOICE", "Invoice number: NW-501", "Invoice date: 02/03/2025",
     "Consulting services 1 500.00", *SPACER, "Total due 500.00", "Page 1 of 1"],
]  # fmt: skip
INVOICE_B = [
    ["Contoso Supplies BV", "INVOICE", "Invoice number: CS-9", "Invoice date: 04/03/2025",
     "Paper 10 45.00", *SPACER, "Page 1 of 2"],
    ["Pens 20 18.00", "Staples 5 3.00", *SPACER, "Total due 66.00", "Page 2 of 2"],
]  # fmt: skip


def page_texts(path: Path) -> list[str]:
    doc = pdfium.PdfDocument(path.read_bytes())
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def test_split_writes_one_pdf_per_invoice(tmp_path: Path) -> None:
    batch = tmp_path / "batch.pdf"
    batch.write_bytes(text_pdf(INVOICE_A + INVOICE_B))
    out = tmp_path / "parts"
    result = runner.invoke(app, ["split", str(batch), str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [p["pages"] for p in report["parts"]] == [[1], [2, 3]]
    assert any("page marker 1 of 2" in r for r in report["parts"][1]["reasons"])
    assert sorted(p.name for p in out.iterdir()) == ["batch-part1.pdf", "batch-part2.pdf"]
    first, second = page_texts(out / "batch-part1.pdf"), page_texts(out / "batch-part2.pdf")
    assert len(first) == 1 and "NW-501" in first[0]
    assert len(second) == 2 and "CS-9" in second[0] and "Staples" in second[1]


def test_split_prints_ranges_and_keeps_a_single_invoice_whole(tmp_path: Path) -> None:
    batch = tmp_path / "one.pdf"
    batch.write_bytes(text_pdf(INVOICE_B))
    result = runner.invoke(app, ["split", str(batch), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "one-part1.pdf" in result.output and "pages 1-2" in result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["one-part1.pdf"]


def test_split_refuses_what_is_not_a_pdf(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just some text, not an invoice batch")
    result = runner.invoke(app, ["split", str(notes), str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "unsupported_media_type" in result.output
    assert not (tmp_path / "out").exists()


def scanned_pdf(data: bytes) -> bytes:
    """The PDF's pages as pictures only (150 dpi, no text layer), as a scanner makes them."""
    doc = pdfium.PdfDocument(data)
    try:
        images = [doc[i].render(scale=150 / 72).to_pil().convert("L") for i in range(len(doc))]
    finally:
        doc.close()
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return out.getvalue()


def test_split_reads_a_scanned_batch_with_ocr(tmp_path: Path) -> None:
    batch = tmp_path / "scan.pdf"
    batch.write_bytes(scanned_pdf(text_pdf(INVOICE_A + INVOICE_B)))
    assert page_texts(batch) == ["", "", ""]  # no text layer: the split must OCR
    result = runner.invoke(app, ["split", str(batch), str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    assert [p["pages"] for p in json.loads(result.stdout)["parts"]] == [[1], [2, 3]]
