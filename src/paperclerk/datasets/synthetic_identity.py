"""Synthetic passports and ID cards: a printed page and its MRZ, drawn in a monospace font.

For tests and measurements of the MRZ reader and the identity rules: `random_fields`
draws a holder, `render_identity` draws the document (labels and values above, the MRZ
below) and can turn it, break a check digit, or print a page value that differs from
the MRZ. The font is DejaVu Sans Mono (Debian's `fonts-dejavu-core`), not OCR-B: a
harder case for the reader than real documents, not an easier one.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from paperclerk.ingest.types import Image
from paperclerk.parsers.mrz_build import MrzFields, build_mrz
from paperclerk.parsers.mrz_formats import MrzFormat

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
SURNAMES = (
    "NOVAK",
    "OKAFOR",
    "LINDQVIST",
    "HASSAN",
    "MORENO GARCIA",
    "TANAKA",
    "KOWALCZYK",
    "DUBOIS",
    "OBRIEN",
    "SCHMIDT",
    "PETERSEN",
    "ROSSI",
    "NGUYEN",
    "ADEYEMI",
    "BERG",
)
GIVEN = (
    "JANA",
    "CHINEDU EMEKA",
    "ASTRID",
    "LEILA",
    "PABLO",
    "HARUKI",
    "ZOFIA MARIA",
    "LUC",
    "AOIFE",
    "KLAUS PETER",
    "METTE",
    "GIULIA",
    "MINH",
    "TOLU",
    "OLE",
)
STATES = ("NLD", "DEU", "FRA", "POL", "SWE", "ESP", "ITA", "IRL", "CZE", "NOR", "FIN", "BEL")


@dataclass(frozen=True)
class Holder:
    """A document holder and document, as printed on the page."""

    fields: MrzFields
    birth: dt.date
    expiry: dt.date


def font(size: int) -> ImageFont.FreeTypeFont:
    """Return DejaVu Sans Mono at a size; FileNotFoundError names the package to install."""
    for folder in FONT_DIRS:
        path = folder / "DejaVuSansMono.ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    raise FileNotFoundError("DejaVuSansMono.ttf not found: install fonts-dejavu-core")


def random_fields(rng: random.Random, code: str = "P", today: dt.date | None = None) -> Holder:
    """Draw a holder: names, state, a document number, birth and expiry dates."""
    today = today or dt.date.today()
    birth = today - dt.timedelta(days=rng.randint(18 * 366, 80 * 365))
    expiry = today + dt.timedelta(days=rng.randint(60, 9 * 365))
    state = rng.choice(STATES)
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    number = "".join(rng.choice(letters) for _ in range(2)) + "".join(
        rng.choice("0123456789") for _ in range(7)
    )
    fields = MrzFields(
        document_code=code,
        issuing_state=state,
        surname=rng.choice(SURNAMES),
        given_names=rng.choice(GIVEN),
        document_number=number,
        nationality=state,
        birth_date=birth.strftime("%y%m%d"),
        sex=rng.choice("MF"),
        expiry_date=expiry.strftime("%y%m%d"),
    )
    return Holder(fields, birth, expiry)


def break_check_digit(lines: list[str], rng: random.Random) -> list[str]:
    """Return the MRZ with one check digit changed to another digit: an invalid MRZ."""
    spots = [(i, j) for i, line in enumerate(lines) for j, c in enumerate(line) if c.isdigit()]
    i, j = rng.choice(spots[-3:])
    digit = rng.choice([d for d in "0123456789" if d != lines[i][j]])
    out = list(lines)
    out[i] = out[i][:j] + digit + out[i][j + 1 :]
    return out


def render_identity(
    holder: Holder,
    fmt: MrzFormat = MrzFormat.TD3,
    *,
    angle: float = 0.0,
    mrz_lines: list[str] | None = None,
    printed: dict[str, str] | None = None,
) -> tuple[Image, list[str]]:
    """Draw a document page and return it (BGR) with the MRZ lines drawn on it.

    `mrz_lines` replaces the MRZ built from the holder (a broken one, say); `printed`
    replaces values printed on the page (`surname`, `given_names`, `document_number`,
    `date_of_birth`, `date_of_expiry`), to make the page disagree with the MRZ.
    """
    f = holder.fields
    lines = mrz_lines or build_mrz(fmt, f)
    page = {
        "surname": f.surname,
        "given_names": f.given_names,
        "document_number": f.document_number,
        "date_of_birth": holder.birth.strftime("%d %b %Y").upper(),
        "date_of_expiry": holder.expiry.strftime("%d %b %Y").upper(),
        **(printed or {}),
    }
    width = 1100 if len(lines[0]) == 44 else 900
    height = 700
    img = PILImage.new("RGB", (width, height), (246, 244, 236))
    draw = ImageDraw.Draw(img)
    label, value, mrz_font = font(18), font(28), font(30 if len(lines[0]) <= 36 else 29)
    kind = "PASSPORT" if f.document_code.startswith("P") else "IDENTITY CARD"
    draw.text((40, 30), f"{kind} / {f.issuing_state}", font=value, fill=(30, 30, 90))
    rows = [
        ("Surname", page["surname"]),
        ("Given names", page["given_names"]),
        ("Document No.", page["document_number"]),
        ("Nationality", f.nationality),
        ("Date of birth", page["date_of_birth"]),
        ("Sex", f.sex),
        ("Date of expiry", page["date_of_expiry"]),
    ]
    y = 90
    for name, text in rows:
        draw.text((300, y), name, font=label, fill=(90, 90, 90))
        draw.text((300, y + 20), text, font=value, fill=(10, 10, 10))
        y += 62
    draw.rectangle((40, 90, 260, 380), outline=(120, 120, 120), width=2)
    top = height - 40 - 48 * len(lines)
    for i, line in enumerate(lines):
        draw.text((40, top + 48 * i), line, font=mrz_font, fill=(0, 0, 0))
    bgr = np.asarray(cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), dtype=np.uint8)
    return _turn(bgr, angle), lines


def _turn(image: Image, angle: float) -> Image:
    """Turn a page by any angle, growing the canvas so nothing is cut off."""
    if angle % 360 == 0:
        return image
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(image, matrix, (nw, nh), borderValue=(200, 200, 200))
    return np.asarray(out, dtype=np.uint8)


def with_number(holder: Holder, number: str) -> Holder:
    """Return the holder with another document number."""
    return replace(holder, fields=replace(holder.fields, document_number=number))
