"""Receipt pictures drawn with Pillow, for tests that must run without the shared data."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 620, 1100
INK = (25, 25, 25)


def receipt_picture(
    day: str = "12/04/2018 10:13",
    number: str = "CS-0004323",
    total: str = "27.55",
    item: str = "MILO 3IN1 18X30G",
    noise: float = 0.0,
) -> Image.Image:
    """Draw a till receipt of one shop's template; the arguments are what varies per sale."""
    font, big = ImageFont.load_default(size=22), ImageFont.load_default(size=30)
    img = Image.new("RGB", (WIDTH, HEIGHT), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    y = 40.0
    header = [
        ("KEDAI RUNCIT MAJU JAYA", big),
        ("SDN BHD (123456-X)", font),
        ("NO 12 JALAN SS4C/5 PETALING JAYA", font),
        ("TEL 03-7865 4321", font),
        ("TAX INVOICE", big),
    ]
    for text, f in header:
        draw.text(((WIDTH - draw.textlength(text, font=f)) / 2, y), text, fill=INK, font=f)
        y += 44
    y += 10
    for text in (f"INV NO: {number}", f"DATE: {day}", "CASHIER: NICOLE", "-" * 40):
        draw.text((30, y), text, fill=INK, font=font)
        y += 36
    draw.text((30, y), item, fill=INK, font=font)
    draw.text((60, y + 32), "1 x", fill=INK, font=font)
    draw.text((480, y + 32), total, fill=INK, font=font)
    y += 72
    for label, value in (("SUBTOTAL", total), ("GST 6%", "0.00"), ("TOTAL", total)):
        draw.text((30, y), label, fill=INK, font=font)
        draw.text((480, y), value, fill=INK, font=font)
        y += 36
    for text in ("THANK YOU PLEASE COME AGAIN", "GOODS SOLD ARE NOT RETURNABLE"):
        x = (WIDTH - draw.textlength(text, font=font)) / 2
        draw.text((x, y + 30), text, fill=INK, font=font)
        y += 36
    if noise:
        pixels = np.asarray(img, np.float32)
        pixels += np.random.default_rng(0).normal(0.0, noise, pixels.shape)
        img = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return img


def bgr(img: Image.Image) -> npt.NDArray[np.uint8]:
    """Return a Pillow RGB picture as the BGR array the pipeline works on."""
    return np.ascontiguousarray(np.asarray(img.convert("RGB"))[:, :, ::-1])


def jpeg(img: Image.Image, quality: int) -> bytes:
    """Return the picture saved as a JPEG of this quality (Pillow's encoder)."""
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()
