"""Duplicate detection: identical file, same picture, same purchase — with explanations.

Each layer is an index lookup: `sha256`, `content_key` and `purchase_key` are indexed
columns of `loyalty_submissions`; pictures go through the multi-index hash table
(`paperclerk.loyalty.index`). The last layer verifies the print: earlier submissions that
share fields read (partial keys) or a near picture hash (`paperclerk.loyalty.candidates`,
at most 20) are aligned with this one and compared point for point
(`paperclerk.loyalty.layout`). A match names the earlier submission, its participant and
how long ago it came, e.g. "same receipt as submission 123 by participant 9, 3 days ago",
and the evidence of its layer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from paperclerk.loyalty import candidates, index
from paperclerk.loyalty.findings import Effect, LoyaltyFinding, finding
from paperclerk.loyalty.fingerprints import Fingerprint
from paperclerk.model import Severity
from paperclerk.storage.tables import LoyaltySubmission

# how each layer is described, and whether a match rejects or only asks for review
LAYERS = {
    "identical_file": ("the identical file", Effect.REJECT),
    "same_picture": ("the same receipt photographed again", Effect.REJECT),
    "same_purchase": ("the same purchase (shop, date, time, total, receipt number)", Effect.REJECT),
    "same_total_similar_picture": (
        "the same day and total on a picture of the same shape and layout",
        Effect.REJECT,
    ),
    "similar_purchase": ("a purchase at the same shop, day and total", Effect.REVIEW),
    "same_day_similar_picture": (
        "a receipt of the same day whose picture has nearly the same layout",
        Effect.REVIEW,
    ),
    "same_print": (
        "the same receipt photographed again (its print matches point for point)",
        Effect.REJECT,
    ),
}


MAX_LOG_ASPECT_DAY = 0.15
# layers that match on the picture or the print: two receipts of one shop's template look
# alike, so a picture match whose confidently read money fields disagree is not held as a
# duplicate; it is an altered copy or a look-alike, and a person compares the two
PICTURE_LAYERS = frozenset(
    {"same_picture", "same_total_similar_picture", "same_day_similar_picture", "same_print"}
)
MONEY_FIELDS = ("day", "total")
PURCHASE_FIELDS = ("shop", "day", "total", "time")


@dataclass(frozen=True)
class DuplicateMatch:
    """An earlier submission that this one duplicates, and by which layer."""

    layer: str
    submission_id: int
    participant_id: str
    campaign_id: str
    outcome: str
    created_at: dt.datetime
    detail: str = ""
    disagree: tuple[tuple[str, str, str], ...] = ()  # (field, read here, read there)

    @property
    def altered(self) -> bool:
        """Whether this is a picture match whose confidently read day or total differ."""
        return bool(self.disagree) and self.layer in PICTURE_LAYERS


def earlier_fields(row: LoyaltySubmission) -> tuple[dict[str, str], set[str]]:
    """Return the identifying fields an earlier submission read, and the confident ones."""
    result = row.result or {}
    read = result.get("read")
    confident = result.get("confident")
    if not isinstance(read, dict) or not isinstance(confident, list):
        return {}, set()
    return {str(k): str(v) for k, v in read.items()}, {str(c) for c in confident}


def disagreement(fp: Fingerprint, row: LoyaltySubmission) -> tuple[tuple[str, str, str], ...]:
    """Return the day and total both read confidently that differ between fp and row."""
    read, confident = earlier_fields(row)
    return tuple(
        (key, fp.fields[key], read[key])
        for key in MONEY_FIELDS
        if key in fp.confident and key in confident and fp.fields[key] != read[key]
    )


def same_purchase_read(fp: Fingerprint, row: LoyaltySubmission) -> bool:
    """Whether shop, day, total and time were all read on both and agree."""
    read, _ = earlier_fields(row)
    return all(key in fp.fields and fp.fields[key] == read.get(key) for key in PURCHASE_FIELDS)


def _ago(then: dt.datetime, now: dt.datetime) -> str:
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 120:
        return "just now"
    if seconds < 7200:
        return f"{int(seconds // 60)} minutes ago"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} hours ago"
    return f"{int(seconds // 86400)} days ago"


def _rows(
    session: Session, workspace_id: str, column: InstrumentedAttribute[Any], value: object
) -> list[LoyaltySubmission]:
    stmt = (
        select(LoyaltySubmission)
        .where(LoyaltySubmission.workspace_id == workspace_id, column == value)
        .order_by(LoyaltySubmission.id)
        .limit(20)
    )
    return list(session.scalars(stmt))


def find_duplicates(
    session: Session, workspace_id: str, fp: Fingerprint, campaign_id: str | None = None
) -> list[DuplicateMatch]:
    """Return every earlier submission of the workspace that this fingerprint duplicates.

    With `campaign_id` (a campaign whose `duplicate_scope` is "campaign") only that
    campaign's submissions count; by default the whole workspace's do.
    """
    found: dict[int, DuplicateMatch] = {}

    def keep(layer: str, row: LoyaltySubmission, detail: str = "") -> None:
        if row.id not in found:  # the first (strongest) layer wins
            found[row.id] = DuplicateMatch(
                layer,
                row.id,
                row.participant_id,
                row.campaign_id,
                row.outcome,
                row.created_at,
                detail,
                disagreement(fp, row),
            )

    for row in _rows(session, workspace_id, LoyaltySubmission.sha256, fp.sha256):
        keep("identical_file", row)
    # the picture layers are vetoed when the prints show another receipt beyond doubt: a
    # shop's template makes different receipts look alike to the hashes
    prints = candidates.PrintCheck(session, fp.layout)

    def keep_unless_other(
        layer: str, rows: list[LoyaltySubmission], details: dict[int, str] | None = None
    ) -> None:
        fresh = [r for r in rows if r.id not in found]
        # the print may not veto a purchase read alike in shop, day, total and time: a
        # receipt number read on one picture only makes the prints differ in that region
        other = prints.clearly_different([r.id for r in fresh if not same_purchase_read(fp, r)])
        for row in fresh:
            if row.id not in other:
                keep(layer, row, (details or {}).get(row.id, ""))

    near: dict[int, int] = {}
    if fp.image is not None and fp.flipped is not None:
        searched = index.search(session, workspace_id, [fp.image, fp.flipped])
        near = searched.near
        ids = [m.submission_id for m in searched.matches if m.submission_id is not None]
        rows = [r for r in (session.get(LoyaltySubmission, i) for i in ids) if r is not None]
        details = {
            m.submission_id: f"hash distance {m.phash_distance}/64, {m.vhash_distance}/512"
            for m in searched.matches
            if m.submission_id is not None
        }
        keep_unless_other("same_picture", rows, details)
    if fp.content_key:
        for row in _rows(session, workspace_id, LoyaltySubmission.content_key, fp.content_key):
            keep("same_purchase", row)

    if fp.amount_key and fp.image is not None and fp.flipped is not None:
        rows = _rows(session, workspace_id, LoyaltySubmission.amount_key, fp.amount_key)
        looks = index.stored_hashes(session, [r.id for r in rows if r.id not in found])
        keep_unless_other(
            "same_total_similar_picture",
            [
                row
                for row in rows
                if row.id in looks and index.looks_alike([fp.image, fp.flipped], looks[row.id])
            ],
        )
    if fp.purchase_key:
        rows = _rows(session, workspace_id, LoyaltySubmission.purchase_key, fp.purchase_key)
        for row in rows:
            if row.id not in found and same_purchase_read(fp, row):
                keep("same_purchase", row, "shop, day, total and time read alike")
        keep_unless_other("similar_purchase", rows)
    if fp.purchase_date is not None and fp.image is not None and fp.flipped is not None:
        rows = _rows(session, workspace_id, LoyaltySubmission.purchase_date, fp.purchase_date)
        looks = index.stored_hashes(session, [r.id for r in rows if r.id not in found])
        alike = [
            row
            for row in rows
            if row.id in looks
            and index.looks_alike(
                [fp.image, fp.flipped], looks[row.id], index.DAY_VHASH_DISTANCE, MAX_LOG_ASPECT_DAY
            )
        ]
        keep_unless_other("same_day_similar_picture", alike)
    for row, detail in _same_print(session, workspace_id, fp, prints, near, set(found)):
        keep("same_print", row, detail)
    scoped = [m for m in found.values() if campaign_id is None or m.campaign_id == campaign_id]
    return sorted(scoped, key=lambda m: m.submission_id)


def _same_print(
    session: Session,
    workspace_id: str,
    fp: Fingerprint,
    prints: candidates.PrintCheck,
    near: dict[int, int],
    found: set[int],
) -> list[tuple[LoyaltySubmission, str]]:
    """Verify the candidates print against print; return the matches with their evidence."""
    if prints.query is None:
        return []
    ranked = candidates.find(session, workspace_id, fp, near, exclude=found)
    matches = prints.compare([c.submission_id for c in ranked])
    out = []
    for candidate in ranked:
        match = matches.get(candidate.submission_id)
        if match is None or not match.same_receipt:
            continue
        row = session.get(LoyaltySubmission, candidate.submission_id)
        if row is None or row.workspace_id != workspace_id:
            continue
        why = []
        if candidate.shared_keys:
            why.append(f"{candidate.shared_keys} pairs of fields read agree")
        if candidate.phash_distance is not None:
            why.append(f"hash distance {candidate.phash_distance}/64")
        out.append((row, f"{match.describe()}; candidate because {', '.join(why)}"))
    return out


def duplicate_findings(
    matches: list[DuplicateMatch], participant_id: str, now: dt.datetime
) -> list[LoyaltyFinding]:
    """Turn matches into findings, each naming the earlier submission and how it matched.

    A picture match whose day or total read differently is never held as a duplicate, nor
    waved through: it is an edited copy or another receipt on the same template, and it
    goes to review with the earlier claim named (`duplicates.altered_copy`), whatever
    became of that claim. A plain duplicate of a rejected claim is noted, not held against.
    """
    if not matches:
        return [finding("duplicates.none", True, "no earlier submission of this receipt")]
    out = []
    for m in matches:
        who = (
            "the same participant"
            if m.participant_id == participant_id
            else (f"participant {m.participant_id}")
        )
        evidence = {
            "submission_id": m.submission_id,
            "participant_id": m.participant_id,
            "campaign_id": m.campaign_id,
            "earlier_outcome": m.outcome,
            "submitted_at": m.created_at.isoformat(),
            "layer": m.layer,
            "cross_participant": m.participant_id != participant_id,
            "detail": m.detail,
        }
        if m.altered:
            out.append(_altered_copy(m, who, now, evidence))
            continue
        what, effect = LAYERS[m.layer]
        counts = m.outcome != "rejected"
        note = "" if counts else "; that claim was rejected, so this one is not held against it"
        message = (
            f"{what}: same receipt as submission {m.submission_id} by {who}"
            f" ({m.outcome}, campaign {m.campaign_id}), {_ago(m.created_at, now)}{note}"
        )
        out.append(
            finding(f"duplicates.{m.layer}", not counts, message, effect=effect, evidence=evidence)
        )
    return out


NAMES = {"day": "date", "total": "total"}


def _altered_copy(
    m: DuplicateMatch, who: str, now: dt.datetime, evidence: dict[str, object]
) -> LoyaltyFinding:
    """Describe a picture match with another day or total: an edited copy, or a look-alike."""
    differs = " and ".join(
        f"its {NAMES[key]} reads {here} where that one read {there}"
        for key, here, there in m.disagree
    )
    return finding(
        "duplicates.altered_copy",
        False,
        f"the picture matches submission {m.submission_id} by {who} ({m.outcome}, campaign"
        f" {m.campaign_id}, {_ago(m.created_at, now)}), but {differs}: the receipt may have"
        " been edited, or it is another receipt of the same shop; compare the two pictures",
        effect=Effect.REVIEW,
        severity=Severity.ERROR,
        fields=["total" if k == "total" else "transaction_date" for k, _, _ in m.disagree],
        evidence=evidence | {"differs": {key: [a, b] for key, a, b in m.disagree}},
    )
