"""The perceptual-hash index on SQLite and PostgreSQL: near hashes found by index, per workspace."""

from __future__ import annotations

import random

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.loyalty import index
from paperclerk.loyalty.fingerprints import ImageHashes
from paperclerk.storage.db import is_sqlite
from paperclerk.storage.workspaces import create_workspace


def _hash(rng: random.Random) -> ImageHashes:
    return ImageHashes(rng.getrandbits(64), rng.getrandbits(256).to_bytes(32, "big"), 2.0)


def _flip(h: ImageHashes, rng: random.Random, bits: int, vbits: int = 0) -> ImageHashes:
    p = h.phash
    for b in rng.sample(range(64), bits):
        p ^= 1 << b
    v = int.from_bytes(h.vhash, "big")
    for b in rng.sample(range(256), vbits):
        v ^= 1 << b
    return ImageHashes(p, v.to_bytes(32, "big"), h.aspect)


def test_lookup_finds_every_hash_within_seven_bits(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    rng = random.Random(1)
    stored = [_hash(rng) for _ in range(3000)]
    with factory.begin() as s:
        index.add_many(s, (index.row_values(workspace_id, None, h) for h in stored))
    with factory() as s:
        for bits in range(index.MAX_PHASH_DISTANCE + 1):
            target = stored[bits * 7]
            found = index.lookup(s, workspace_id, [_flip(target, rng, bits, 10)])
            assert len(found) == 1, bits
            assert found[0].phash_distance == bits and found[0].vhash_distance == 10
        # same 64-bit key but a different picture: the 256-bit verifier says no
        assert index.lookup(s, workspace_id, [_flip(stored[0], rng, 0, 120)]) == []
        assert index.lookup(s, workspace_id, [_hash(rng)]) == []


def test_other_workspaces_do_not_see_the_hashes(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    rng = random.Random(2)
    h = _hash(rng)
    with factory.begin() as s:
        index.add(s, workspace_id, None, h)
        other = create_workspace(s, "other").id
    with factory() as s:
        assert len(index.lookup(s, workspace_id, [h])) == 1
        assert index.lookup(s, other, [h]) == []


def test_band_lookups_use_the_band_indexes(engine: Engine) -> None:
    sql = "SELECT id FROM loyalty_fingerprints WHERE workspace_id = 'w' AND band2 IN (1, 2, 3)"
    with engine.connect() as conn:
        if is_sqlite(engine):
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        else:
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(str(r[0]) for r in conn.execute(text(f"EXPLAIN {sql}")))
    assert "ix_loyalty_fingerprints_band2" in plan
