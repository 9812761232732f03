"""Pre-processing: crop a photo to its paper, turn the page upright and straighten it.

OCR engines read best from an upright, straight, tightly framed page; phone photos and
careless scans are none of these. `preprocess_page` fixes all three, cheaply, and says
what it did so the page model can record it.
"""

from __future__ import annotations

from dataclasses import dataclass

from paperclerk.ingest.types import Image
from paperclerk.preprocess.crop import crop_to_paper, find_paper
from paperclerk.preprocess.deskew import estimate_skew, rotate_by, should_deskew
from paperclerk.preprocess.orientation import (
    Orientation,
    correct_orientation,
    detect_orientation,
    rotate_image,
)
from paperclerk.preprocess.textlines import detect_lines


@dataclass(frozen=True)
class PreprocessResult:
    """The cleaned-up page and what was done to it.

    `rotation` is the clockwise turn applied (0/90/180/270), `skew` the degrees of skew
    removed (counter-clockwise positive, 0.0 when none) and `cropped` whether the image
    was cut and flattened to the sheet of paper found in it.
    """

    image: Image
    rotation: int
    skew: float
    cropped: bool


def preprocess_page(
    image: Image, *, crop: bool = True, orient: bool = True, deskew: bool = True
) -> PreprocessResult:
    """Crop to the paper, turn upright and deskew a BGR page image.

    Steps can be switched off (a born-digital PDF page needs none of them: its text layer
    boxes are tied to the rendered pixels). Each step leaves the image alone when it is
    not confident: no clear paper outline, no text lines, or a skew under 0.5 degrees.
    """
    cropped = False
    if crop:
        image, cropped = crop_to_paper(image)
    if not (orient or deskew):
        return PreprocessResult(image=image, rotation=0, skew=0.0, cropped=cropped)
    quads = detect_lines(image)
    rotation = detect_orientation(image, quads).rotation if orient else 0
    image = rotate_image(image, rotation)
    skew = estimate_skew(quads) if deskew else None
    if skew is not None and should_deskew(skew):
        image = rotate_by(image, skew)
    else:
        skew = 0.0
    return PreprocessResult(image=image, rotation=rotation, skew=skew, cropped=cropped)


__all__ = [
    "Orientation",
    "PreprocessResult",
    "correct_orientation",
    "crop_to_paper",
    "detect_lines",
    "detect_orientation",
    "estimate_skew",
    "find_paper",
    "preprocess_page",
    "rotate_by",
    "rotate_image",
]
