"""Candidates for the print verifier, and what a submission stores for them.

A re-photographed receipt that neither its picture hash nor its full content key finds
is still nearly always near an earlier one in some indexed way: it shares pairs of
fields read (`loyalty_keys`: shop + total, day + time…) or its picture hash is within a
looser radius (the band index). Each source is an index lookup with a limit, never a
scan; the candidates with enough evidence are ranked (most shared keys, then closest
hash, then most recent) and at most `MAX_VERIFIED` of them are compared print against
print (`paperclerk.loyalty.layout`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from paperclerk.loyalty import index
from paperclerk.loyalty.fingerprints import Fingerprint
from paperclerk.loyalty.layout import (
    Keypoints,
    LayoutMatch,
    compare_layouts,
    decode_layout,
    keypoints,
)
from paperclerk.storage.tables import LoyaltyKey, LoyaltyLayout, LoyaltySubmission

MAX_PER_KEY = 50  # most recent submissions read per partial key
MAX_VERIFIED = 20  # candidates compared print against print, per submission
MIN_SHARED_KEYS = 3  # three fields read alike (three pairs) name a candidate alone
NEAR_ALONE = 12  # a picture hash this near (of 64 bits) names a candidate alone


@dataclass
class Candidate:
    """An earlier submission worth verifying, and why."""

    submission_id: int
    shared_keys: int = 0
    phash_distance: int | None = None

    def worth_verifying(self) -> bool:
        """Tell whether the evidence is enough to spend a print comparison on it.

        Three fields read alike, or one pair plus a near picture hash, or a very near hash
        alone: on the tuning receipts this kept every duplicate the print found and left
        out most of the look-alikes (receipt hashes cluster, as receipts look alike).
        """
        near = self.phash_distance is not None
        return (
            self.shared_keys >= MIN_SHARED_KEYS
            or (self.shared_keys >= 1 and near)
            or (near and (self.phash_distance or 0) <= NEAR_ALONE)
        )

    def rank(self) -> tuple[int, int, int]:
        """Sort key: most shared keys, then closest picture hash, then most recent."""
        distance = 64 if self.phash_distance is None else self.phash_distance
        return (-self.shared_keys, distance, -self.submission_id)


def record(
    session: Session,
    workspace_id: str,
    campaign_id: str,
    participant_id: str,
    fp: Fingerprint,
    outcome: str,
    reward: str = "0",
    created_at: dt.datetime | None = None,
) -> LoyaltySubmission:
    """Store a decided submission with its keys, picture hash and print, for later lookups.

    One place for the service and the duplicate evaluation, so the evaluation measures the
    very rows the service writes.
    """
    row = LoyaltySubmission(
        workspace_id=workspace_id,
        campaign_id=campaign_id,
        participant_id=participant_id,
        sha256=fp.sha256,
        content_key=fp.content_key,
        purchase_key=fp.purchase_key,
        amount_key=fp.amount_key,
        purchase_date=fp.purchase_date,
        outcome=outcome,
        reward=reward,
        result={"read": fp.fields, "confident": sorted(fp.confident)},
    )
    if created_at is not None:
        row.created_at = created_at
    session.add(row)
    session.flush()
    store(session, workspace_id, row.id, fp)
    return row


def store(session: Session, workspace_id: str, submission_id: int, fp: Fingerprint) -> None:
    """Store what later lookups need: the picture hash, the partial keys and the print."""
    if fp.image is not None:
        index.add(session, workspace_id, submission_id, fp.image)
    keys = sorted(set(fp.partial_keys))
    if keys:
        session.execute(
            insert(LoyaltyKey),
            [
                {"workspace_id": workspace_id, "key": key, "submission_id": submission_id}
                for key in keys
            ],
        )
    if fp.layout is not None:
        session.add(LoyaltyLayout(submission_id=submission_id, data=fp.layout))


def find(
    session: Session,
    workspace_id: str,
    fp: Fingerprint,
    near: dict[int, int],
    exclude: Iterable[int] = (),
) -> list[Candidate]:
    """Return up to `MAX_VERIFIED` earlier submissions to verify, best first.

    `near` is what the picture index found nearby (`index.search`); `exclude` are the
    submissions already matched by a stronger layer.
    """
    skip = set(exclude)
    found: dict[int, Candidate] = {}
    for key in sorted(set(fp.partial_keys)):
        stmt = (
            select(LoyaltyKey.submission_id)
            .where(LoyaltyKey.workspace_id == workspace_id, LoyaltyKey.key == key)
            .order_by(LoyaltyKey.submission_id.desc())
            .limit(MAX_PER_KEY)
        )
        for sid in session.scalars(stmt):
            if sid not in skip:
                found.setdefault(sid, Candidate(sid)).shared_keys += 1
    for sid, distance in near.items():
        if sid not in skip:
            found.setdefault(sid, Candidate(sid)).phash_distance = distance
    worth = [c for c in found.values() if c.worth_verifying()]
    return sorted(worth, key=Candidate.rank)[:MAX_VERIFIED]


def layouts(session: Session, submission_ids: list[int]) -> dict[int, bytes]:
    """Return the stored prints of some submissions (primary-key lookups)."""
    if not submission_ids:
        return {}
    rows = session.execute(
        select(LoyaltyLayout.submission_id, LoyaltyLayout.data).where(
            LoyaltyLayout.submission_id.in_(submission_ids)
        )
    )
    return {sid: data for sid, data in rows}


class PrintCheck:
    """Compare the print of a new submission with stored prints, each at most once."""

    def __init__(self, session: Session, layout: bytes | None) -> None:
        """Keep the session and decode the query's print (None: no print to compare)."""
        self.session = session
        self.query = decode_layout(layout) if layout is not None else None
        self._keypoints: Keypoints | None = None
        self._done: dict[int, LayoutMatch | None] = {}

    def compare(self, submission_ids: list[int]) -> dict[int, LayoutMatch]:
        """Return the comparison with each submission that has a stored print."""
        todo = [sid for sid in submission_ids if sid not in self._done]
        if self.query is not None and todo:
            stored = layouts(self.session, todo)
            for sid in todo:
                levels = decode_layout(stored[sid]) if sid in stored else None
                if levels is None:
                    self._done[sid] = None
                    continue
                if self._keypoints is None:
                    self._keypoints = keypoints(self.query)
                self._done[sid] = compare_layouts(self.query, levels, self._keypoints)
        found = {sid: self._done.get(sid) for sid in submission_ids}
        return {sid: match for sid, match in found.items() if match is not None}

    def clearly_different(self, submission_ids: list[int]) -> set[int]:
        """Return the submissions whose print is, beyond doubt, another receipt's."""
        return {sid for sid, m in self.compare(submission_ids).items() if m.clearly_different}
