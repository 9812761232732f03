"""Builds the example documents in this folder (synthetic, so no data set goes into git).

Run: .venv/bin/python examples/make_examples.py
"""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"

RECEIPT = [
    ("c", "KEDAI RUNCIT MAJU JAYA SDN BHD", True),
    ("c", "(1234567-K)", False),
    ("c", "NO. 12, JALAN MERANTI 3,", False),
    ("c", "TAMAN SRI MUDA, 40400 SHAH ALAM,", False),
    ("c", "SELANGOR", False),
    ("c", "TEL: 03-5512 8890", False),
    ("c", "GST ID: 001234567890", False),
    ("c", "TAX INVOICE", True),
    ("l", "RECEIPT NO: CS-20180412-0087", False),
    ("l", "DATE: 12/04/2018      TIME: 14:32:05", False),
    ("l", "CASHIER: AMINAH", False),
    ("l", "----------------------------------------", False),
    ("r", "ITEM                  QTY   PRICE   AMOUNT", False),
    ("l", "----------------------------------------", False),
    ("r", "MILO 3IN1 18X30G        1   12.90    12.90", False),
    ("r", "GARDENIA BREAD 400G     2    3.80     7.60", False),
    ("r", "EGGS GRADE A 10S        1    5.50     5.50", False),
    ("l", "----------------------------------------", False),
    ("r", "SUBTOTAL                        26.00", False),
    ("r", "GST 6%                           1.56", False),
    ("r", "ROUNDING                        -0.01", False),
    ("r", "TOTAL (RM)                      27.55", True),
    ("r", "CASH                            50.00", False),
    ("r", "CHANGE                          22.45", False),
    ("c", "THANK YOU. PLEASE COME AGAIN", False),
]


def render_receipt() -> Image.Image:
    """Draw a till receipt in a monospaced font, as a flatbed scan would look."""
    font = ImageFont.truetype(FONT, 18)
    bold = ImageFont.truetype(FONT_BOLD, 20)
    width, line_h = 520, 30
    img = Image.new("L", (width, 60 + line_h * len(RECEIPT)), 255)
    draw = ImageDraw.Draw(img)
    y = 30
    for align, text, is_bold in RECEIPT:
        f = bold if is_bold else font
        w = draw.textlength(text, font=f)
        x = {"c": (width - w) / 2, "l": 20, "r": width - 20 - w}[align]
        draw.text((x, y), text, font=f, fill=20)
        y += line_h
    return img.filter(ImageFilter.GaussianBlur(0.6))


def photograph(receipt: Image.Image, seed: int = 7) -> np.ndarray:
    """Place the receipt on a dark table at an angle, like a phone photo."""
    rng = random.Random(seed)
    paper = cv2.cvtColor(np.array(receipt), cv2.COLOR_GRAY2BGR)
    h, w = paper.shape[:2]
    canvas_w, canvas_h = int(w * 1.6), int(h * 1.35)
    background = np.full((canvas_h, canvas_w, 3), (60, 55, 50), np.uint8)
    noise = np.random.default_rng(seed).integers(0, 25, background.shape, dtype=np.uint8)
    background = cv2.add(background, noise)
    ox, oy = canvas_w * 0.2, canvas_h * 0.12
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = [rng.uniform(-25, 25) for _ in range(8)]
    dst = np.float32(
        [
            [ox + jitter[0], oy + jitter[1]],
            [ox + w + jitter[2], oy + 20 + jitter[3]],
            [ox + w - 15 + jitter[4], oy + h + jitter[5]],
            [ox - 10 + jitter[6], oy + h - 20 + jitter[7]],
        ]
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(paper, matrix, (canvas_w, canvas_h), borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (canvas_w, canvas_h))
    out = background.copy()
    out[mask > 0] = warped[mask > 0]
    return out


INVOICE_LINES = [
    (50, 790, 16, "Nordwind Office Supplies GmbH"),
    (50, 772, 10, "Hafenstrasse 12, 20457 Hamburg, Germany"),
    (50, 758, 10, "USt-IdNr.: DE136695976"),
    (380, 790, 20, "INVOICE"),
    (380, 765, 10, "Invoice No: NW-2024-0193"),
    (380, 751, 10, "Invoice Date: 14.03.2024"),
    (380, 737, 10, "Due Date: 13.04.2024"),
    (380, 723, 10, "PO Number: PO-88231"),
    (50, 700, 10, "Bill to:"),
    (50, 686, 10, "Brightside Consulting Ltd"),
    (50, 672, 10, "22 Market Street, Leeds LS1 6DT, United Kingdom"),
    (50, 630, 10, "Description"),
    (300, 630, 10, "Qty"),
    (350, 630, 10, "Unit price"),
    (430, 630, 10, "VAT"),
    (480, 630, 10, "Amount"),
    (50, 612, 10, "Recycled copy paper A4, 500 sheets"),
    (300, 612, 10, "10"),
    (350, 612, 10, "4.50"),
    (430, 612, 10, "19%"),
    (480, 612, 10, "45.00"),
    (50, 596, 10, "Ballpoint pens, blue, box of 50"),
    (300, 596, 10, "2"),
    (350, 596, 10, "12.00"),
    (430, 596, 10, "19%"),
    (480, 596, 10, "24.00"),
    (350, 560, 10, "Subtotal"),
    (480, 560, 10, "69.00"),
    (350, 546, 10, "VAT 19%"),
    (480, 546, 10, "13.11"),
    (350, 530, 12, "Total EUR"),
    (480, 530, 12, "82.11"),
    (50, 480, 10, "Payment terms: 30 days net"),
    (50, 466, 10, "IBAN: DE89 3704 0044 0532 0130 00   BIC: COBADEFFXXX"),
]


def pdf_bytes(lines: list[tuple[float, float, int, str]]) -> bytes:
    """Write a one-page born-digital PDF (A4, Helvetica) with the given text runs."""
    stream = "".join(
        f"BT /F1 {size} Tf {x} {y} Td ({text.replace('(', '[').replace(')', ']')}) Tj ET\n"
        for x, y, size, text in lines
    ).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def main() -> None:
    """Write the examples next to this script."""
    receipt = render_receipt()
    receipt.save(HERE / "receipt-scan.png", optimize=True)
    cv2.imwrite(
        str(HERE / "receipt-photo.jpg"), photograph(receipt), [cv2.IMWRITE_JPEG_QUALITY, 85]
    )
    (HERE / "invoice-digital.pdf").write_bytes(pdf_bytes(INVOICE_LINES))
    print("wrote", *sorted(p.name for p in HERE.iterdir() if p.suffix != ".py"))


if __name__ == "__main__":
    main()
