"""Claims stored without OCR for the claims desk tests: distinct receipts, chosen outcomes."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any, Literal

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.loyalty import store
from paperclerk.loyalty.campaign import Campaign
from paperclerk.loyalty.service import SubmissionResult, check_submission
from paperclerk.storage.blobs import Blobs
from tests.unit.loyalty_helpers import campaign, receipt

NOW = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
CAMPAIGN_ID = "milo-april"
Kind = Literal["approved", "needs_review", "rejected"]


def png(n: int) -> bytes:
    """Draw the `n`-th picture, unlike every other one (blocks of grey), as PNG bytes.

    Receipts drawn from one template look alike to the picture checks, which is right
    for them and wrong here: each claim of these tests must be a receipt of its own.
    """
    rng = random.Random(n)
    img = Image.new("RGB", (600, 900), (245, 245, 240))
    draw = ImageDraw.Draw(img)
    for _ in range(14):
        x, y = rng.randrange(0, 520), rng.randrange(0, 820)
        w, h, grey = rng.randrange(40, 260), rng.randrange(30, 200), rng.randrange(0, 200)
        draw.rectangle((x, y, x + w, y + h), fill=(grey, grey, grey))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def offer(**overrides: Any) -> Campaign:
    """The test campaign: 10% of the spend (27.55 at least), capped at 2.00."""
    return campaign(**overrides)


def save_offer(factory: sessionmaker[Session], workspace_id: str, **overrides: Any) -> Campaign:
    """Store the test campaign in a workspace and return it."""
    made = offer(**overrides)
    with factory.begin() as session:
        store.save_campaign(session, workspace_id, made, replace=True)
    return made


def claim(
    factory: sessionmaker[Session],
    workspace_id: str,
    participant: str,
    kind: Kind,
    n: int,
    *,
    blobs: Blobs | None = None,
    data: bytes | None = None,
    made: Campaign | None = None,
) -> SubmissionResult:
    """Store the `n`-th distinct receipt of a participant, read so as to come out as `kind`.

    `needs_review`: the total read with low confidence; `rejected`: below the minimum spend.
    Each `n` has its own number, day, total and picture, so no two are duplicates.
    """
    total = "9.90" if kind == "rejected" else f"{28 + n}.{10 + n:02d}"
    number = f"CS-{5000 + 37 * n}"
    doc = receipt(
        items=[("MILO 3IN1 18X30G", "1", total)],
        total=total,
        day=dt.date(2026, 4, 1 + n % 29),
        receipt_number=number,
    )
    if kind == "needs_review":
        doc.fields["total"].confidence = 0.3
    picture = data or png(n)
    with factory.begin() as session:
        return check_submission(
            session, workspace_id, made or offer(), participant, picture, document=doc,
            now=NOW, blobs=blobs,
        )  # fmt: skip
