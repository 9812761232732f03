"""The perceptual-hash index in the database: multi-index hashing over four 16-bit bands.

A 64-bit hash is split into four 16-bit bands, each an indexed column. If two hashes
differ in at most 7 bits, by pigeonhole some band differs in at most one bit; so a lookup
asks, per band, for the band's value and its 16 one-bit neighbours (`band IN (17 values)`,
one index range scan each), gathers the few candidates and checks their full distance and
512-bit verifier. At a million stored receipts this is a handful of index probes, never a
scan; `benchmarks/duplicate_lookup.py` measures it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, union
from sqlalchemy.orm import Session

from paperclerk.loyalty.fingerprints import ImageHashes, hamming64, hamming_bytes
from paperclerk.storage.tables import LoyaltyFingerprint

BANDS = 4
BAND_BITS = 16
MAX_PHASH_DISTANCE = 7  # what the probing guarantees to find
MAX_VHASH_DISTANCE = 16  # of 512 bits; same-template receipts come as close as 22 (see the note)
MAX_LOG_ASPECT = 0.15  # |log(aspect ratio)| of two pictures of one receipt
LOOSE_VHASH_DISTANCE = 160  # when day and total agree already (of 512 bits)
LOOSE_LOG_ASPECT = 0.25
DAY_VHASH_DISTANCE = 80  # when only the day agrees (tuned on the tuning half, see the note)
NEAR_PHASH_DISTANCE = 20  # a candidate for the print verifier (of 64 bits)


def bands_of(phash: int) -> list[int]:
    """Split an unsigned 64-bit hash into its four 16-bit bands (most significant first)."""
    return [(phash >> (BAND_BITS * (BANDS - 1 - i))) & 0xFFFF for i in range(BANDS)]


def to_signed(value: int) -> int:
    """Store an unsigned 64-bit value in a signed BIGINT column."""
    return value - (1 << 64) if value >= (1 << 63) else value


def to_unsigned(value: int) -> int:
    """Read back a value stored by `to_signed`."""
    return value + (1 << 64) if value < 0 else value


def probes(band: int) -> list[int]:
    """Return the band value and its 16 one-bit neighbours."""
    return [band, *(band ^ (1 << bit) for bit in range(BAND_BITS))]


def row_values(workspace_id: str, submission_id: int | None, hashes: ImageHashes) -> dict[str, Any]:
    """Return the column values of one fingerprint row (also used for bulk inserts)."""
    b = bands_of(hashes.phash)
    return {
        "workspace_id": workspace_id,
        "submission_id": submission_id,
        "phash": to_signed(hashes.phash),
        "band0": b[0],
        "band1": b[1],
        "band2": b[2],
        "band3": b[3],
        "vhash": hashes.vhash,
        "aspect": hashes.aspect,
    }


def add(
    session: Session, workspace_id: str, submission_id: int | None, hashes: ImageHashes
) -> None:
    """Store the fingerprint of one receipt picture."""
    session.execute(insert(LoyaltyFingerprint), [row_values(workspace_id, submission_id, hashes)])


def add_many(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Bulk-insert prepared fingerprint rows (`row_values`)."""
    session.execute(insert(LoyaltyFingerprint), list(rows))


@dataclass(frozen=True)
class ImageMatch:
    """A stored picture close to the query, with how close."""

    fingerprint_id: int
    submission_id: int | None
    phash_distance: int
    vhash_distance: int


def is_same_picture(query: ImageHashes, phash: int, vhash: bytes, aspect: float) -> bool:
    """Verify a candidate: close 64-bit hash, close 512-bit hash, same shape."""
    return (
        hamming64(query.phash, phash) <= MAX_PHASH_DISTANCE
        and hamming_bytes(query.vhash, vhash) <= MAX_VHASH_DISTANCE
        and abs(math.log(max(query.aspect, 1e-6) / max(aspect, 1e-6))) <= MAX_LOG_ASPECT
    )


def stored_hashes(session: Session, submission_ids: list[int]) -> dict[int, ImageHashes]:
    """Return the stored picture hashes of some submissions (by primary-key lookups)."""
    if not submission_ids:
        return {}
    rows = session.execute(
        select(
            LoyaltyFingerprint.submission_id,
            LoyaltyFingerprint.phash,
            LoyaltyFingerprint.vhash,
            LoyaltyFingerprint.aspect,
        ).where(LoyaltyFingerprint.submission_id.in_(submission_ids))
    )
    return {
        sid: ImageHashes(to_unsigned(phash), vhash, aspect)
        for sid, phash, vhash, aspect in rows
        if sid is not None
    }


def looks_alike(
    queries: Sequence[ImageHashes],
    stored: ImageHashes,
    max_vhash: int = 0,
    max_log_aspect: float = 0.0,
) -> bool:
    """Loose picture check for a candidate that the content (day, total) already names."""
    max_vhash = max_vhash or LOOSE_VHASH_DISTANCE
    max_log_aspect = max_log_aspect or LOOSE_LOG_ASPECT
    return any(
        hamming_bytes(q.vhash, stored.vhash) <= max_vhash
        and abs(math.log(max(q.aspect, 1e-6) / max(stored.aspect, 1e-6))) <= max_log_aspect
        for q in queries
    )


def _probe(session: Session, workspace_id: str, query: ImageHashes) -> Any:
    """Return the rows (id, submission, phash, vhash, aspect) sharing a near band with query."""
    cols = (
        LoyaltyFingerprint.band0,
        LoyaltyFingerprint.band1,
        LoyaltyFingerprint.band2,
        LoyaltyFingerprint.band3,
    )
    parts = [
        select(
            LoyaltyFingerprint.id,
            LoyaltyFingerprint.submission_id,
            LoyaltyFingerprint.phash,
            LoyaltyFingerprint.vhash,
            LoyaltyFingerprint.aspect,
        ).where(LoyaltyFingerprint.workspace_id == workspace_id, col.in_(probes(b)))
        for col, b in zip(cols, bands_of(query.phash), strict=True)
    ]
    return session.execute(union(*parts))  # one index range scan per band; UNION drops repeats


@dataclass(frozen=True)
class ImageSearch:
    """What the band probes found: verified matches, and near pictures to verify by print."""

    matches: list[ImageMatch]
    near: dict[int, int]  # submission id → 64-bit hash distance (≤ NEAR_PHASH_DISTANCE)


def search(session: Session, workspace_id: str, queries: Sequence[ImageHashes]) -> ImageSearch:
    """Probe the bands for each query hash: the same pictures, and the near ones.

    The probes guarantee every picture within 7 bits and find many a little farther;
    those up to `NEAR_PHASH_DISTANCE` that fail the hash check become candidates for the
    print verifier, at no extra index cost.
    """
    found: dict[int, ImageMatch] = {}
    near: dict[int, int] = {}
    for query in queries:
        for fid, sid, phash, vhash, aspect in _probe(session, workspace_id, query):
            unsigned = to_unsigned(phash)
            distance = hamming64(query.phash, unsigned)
            if sid is not None and distance <= NEAR_PHASH_DISTANCE:
                near[sid] = min(distance, near.get(sid, 64))
            if not is_same_picture(query, unsigned, vhash, aspect):
                continue
            match = ImageMatch(fid, sid, distance, hamming_bytes(query.vhash, vhash))
            old = found.get(fid)
            if old is None or match.vhash_distance < old.vhash_distance:
                found[fid] = match
    matches = sorted(found.values(), key=lambda m: (m.vhash_distance, m.phash_distance))
    return ImageSearch(matches, near)


def lookup(session: Session, workspace_id: str, queries: Sequence[ImageHashes]) -> list[ImageMatch]:
    """Return the stored pictures that match any of the query hashes, closest first."""
    return search(session, workspace_id, queries).matches
