"""Fraud signals on a submitted receipt, each a finding with a severity.

- `fraud.edited_metadata`: the file says an image editor wrote it (EXIF Software, XMP
  CreatorTool).
- `fraud.inconsistent_compression`: a region of the JPEG was compressed before at a lower
  quality than the rest (a pasted or re-saved patch), found by its JPEG ghost
  (`paperclerk.loyalty.compression`).
- `fraud.painted_region`: a region of a twice-compressed JPEG was saved only once (painted
  over and saved again), found by the earlier compression's lattice.
- `tamper.total`: the total disagrees with the receipt's own arithmetic (tax summary,
  cash less change, items, subtotal plus tax: `paperclerk.loyalty.tamper`).
- `fraud.future_date`: the purchase date is after the day of submission.
- `fraud.screen_photo`: a photo of a screen shows the screen's pixel grid as sharp,
  regular peaks in the image spectrum (moiré) that paper does not have.

Signals send a claim to review; none rejects it alone, because each has innocent causes.
Plain error-level analysis was tried for pasted regions and dropped: on the shared scans
it did not separate edited receipts from clean ones; the blockwise JPEG ghost does.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from paperclerk.loyalty.compression import compression_ghost
from paperclerk.loyalty.findings import Effect, LoyaltyFinding, finding
from paperclerk.loyalty.jpeg_forensics import painted_region
from paperclerk.loyalty.tamper import tamper_finding
from paperclerk.model import Document, Severity

Array = npt.NDArray[Any]
EDITORS = re.compile(
    r"photoshop|gimp|snapseed|picsart|lightroom|canva|pixelmator|affinity|paint\.net|"
    r"facetune|photopea|krita|inkscape|illustrator",
    re.IGNORECASE,
)
MOIRE_RATIO = 600.0  # spectral peak over its ring median; scans of paper stay under 300


def _metadata_text(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as img:
            parts = [str(img.getexif().get(0x0131, ""))]  # Software
            xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp") or b""
            parts.append(xmp.decode("utf-8", "ignore") if isinstance(xmp, bytes) else str(xmp))
            parts.append(str(img.info.get("Software", "")))
    except (UnidentifiedImageError, OSError, ValueError):
        return ""
    return " ".join(parts)


def edited_metadata_rule(data: bytes) -> LoyaltyFinding:
    """Flag files whose metadata names an image editor."""
    text = _metadata_text(data)
    hit = EDITORS.search(text)
    if hit is None:
        return finding("fraud.edited_metadata", True, "no image editor in the file's metadata")
    return finding(
        "fraud.edited_metadata",
        False,
        f"the file was written by an image editor ({hit.group(0)})",
        effect=Effect.REVIEW,
        evidence={"software": hit.group(0)},
    )


def compression_rule(data: bytes) -> LoyaltyFinding:
    """Flag a JPEG in which one region was compressed before at a lower quality than the rest.

    That is what pasting a patch from another (re-saved) copy leaves behind, e.g. a total
    or a date cut in; the evidence names the region and the earlier quality.
    """
    ghost = compression_ghost(data)
    if ghost is None:
        return finding(
            "fraud.inconsistent_compression",
            True,
            "the JPEG compression is consistent across the picture (or the file is not a JPEG)",
        )
    x, y, w, h = ghost.box
    return finding(
        "fraud.inconsistent_compression",
        False,
        f"a region of {w}×{h} pixels at ({x}, {y}) was JPEG-compressed before at quality"
        f" about {ghost.quality}, unlike the rest of the picture: it may have been pasted in",
        effect=Effect.REVIEW,
        evidence={
            "region": {"x": x, "y": y, "width": w, "height": h},
            "earlier_quality": ghost.quality,
            "score": round(ghost.score, 3),
            "region_ghost_share": ghost.inside_share,
            "elsewhere_ghost_share": ghost.outside_share,
            "ghost_blocks": ghost.ghost_blocks,
        },
    )


def painted_region_rule(data: bytes) -> LoyaltyFinding:
    """Flag a JPEG in which one region lacks the earlier compression the rest still shows.

    That is what painting over a total and saving the picture again leaves behind: the
    untouched print was compressed twice, the painted digits once
    (`paperclerk.loyalty.jpeg_forensics`). The evidence names the region.
    """
    region = painted_region(data)
    if region is None:
        return finding(
            "fraud.painted_region",
            True,
            "no region lacks the compression the rest of the picture shows",
        )
    x, y, w, h = region.box
    return finding(
        "fraud.painted_region",
        False,
        f"a region of {w}×{h} pixels at ({x}, {y}) was saved only once while the rest of the"
        " picture was compressed twice: it may have been painted over",
        effect=Effect.REVIEW,
        fields=["total"],
        evidence={
            "region": {"x": x, "y": y, "width": w, "height": h},
            "surprise": round(region.surprise, 1),
            "region_single_share": round(region.inside_share, 3),
            "elsewhere_single_share": round(region.outside_share, 3),
            "blocks": region.blocks,
        },
    )


def moire_ratio(image: Array) -> float:
    """Return the strongest high-frequency spectral peak over its ring's median."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    h, w = grey.shape[:2]
    side = min(512, h, w)
    if side < 64:
        return 0.0
    y0, x0 = (h - side) // 2, (w - side) // 2
    crop = grey[y0 : y0 + side, x0 : x0 + side].astype(np.float32)
    crop = (crop - crop.mean()) * np.outer(np.hanning(side), np.hanning(side))
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(crop)))
    yy, xx = np.mgrid[:side, :side] - side // 2
    radius = np.hypot(yy, xx)
    ring = (radius > side * 0.15) & (radius < side * 0.48)
    values = spectrum[ring]
    return float(values.max() / (np.median(values) + 1e-6))


def screen_photo_rule(image: Array) -> LoyaltyFinding:
    """Flag a photo of a screen (regular moiré peaks) rather than of paper."""
    ratio = moire_ratio(image)
    ok = ratio < MOIRE_RATIO
    return finding(
        "fraud.screen_photo",
        ok,
        f"spectral peak ratio {ratio:.0f}" + ("" if ok else ": looks like a photo of a screen"),
        effect=Effect.REVIEW,
        evidence={"moire_ratio": round(ratio, 1)},
    )


def future_date_rule(doc: Document, today: dt.date) -> LoyaltyFinding:
    """Flag a purchase date after the day of submission."""
    day = doc.value("transaction_date")
    ok = not (isinstance(day, dt.date) and day > today)
    return finding(
        "fraud.future_date",
        ok,
        f"purchase date {day} is after today ({today})" if not ok else "date is not in the future",
        effect=Effect.REVIEW,
        severity=None if ok else Severity.ERROR,
        fields=["transaction_date"],
    )


def fraud_findings(
    doc: Document, data: bytes, image: Array | None, today: dt.date
) -> list[LoyaltyFinding]:
    """Run every fraud signal on one submission."""
    out = [
        edited_metadata_rule(data),
        compression_rule(data),
        painted_region_rule(data),
        tamper_finding(doc),
        future_date_rule(doc, today),
    ]
    if image is not None:
        out.append(screen_photo_rule(image))
    return out
