"""One claim decided at a time per workspace, whatever the number of workers.

Deciding a claim reads (earlier submissions it duplicates, the participant's claims held
against the limit) and then writes the new submission. Two workers deciding two copies of
one receipt at the same moment would both read "no duplicate" and both approve; two claims
of one participant would both fit under a limit of one. `lock_claims` makes the read and
the write one step per workspace (duplicates are looked up across the whole workspace):

- PostgreSQL: `pg_advisory_xact_lock` on a 64-bit hash of the workspace id. It is held
  until the transaction ends (commit or rollback, a killed worker's included), writes no
  row and blocks nothing but the other claim decisions of the workspace.
- SQLite: the database has one writer at a time, but the driver starts a transaction only
  at its first write (`storage.db.make_engine`), so the reads before it would see no lock
  at all. A write that changes nothing (the workspace's row set to itself) starts the
  transaction and takes the write lock at once, as `BEGIN IMMEDIATE` would; the next claim
  waits for it (busy timeout, 30 s) and then reads what this one stored.

Call it in the transaction that stores the decision, before the first read that the
decision depends on, and keep the work after it short: other claims of the workspace wait.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from paperclerk.storage.tables import Workspace

_NAMESPACE = b"paperclerk.loyalty.claims:"


def claims_lock_key(workspace_id: str) -> int:
    """Return the signed 64-bit advisory lock key of a workspace's claim decisions.

    Hashed with a namespace, so it cannot meet another lock of the database (the
    migration lock is a small constant) except by a 2^-64 chance.
    """
    digest = hashlib.sha256(_NAMESPACE + workspace_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_claims(session: Session, workspace_id: str) -> None:
    """Serialise claim decisions of a workspace until the caller's transaction ends.

    Blocks while another transaction holds the workspace's lock. Any other database
    than PostgreSQL and SQLite is refused rather than left unserialised.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": claims_lock_key(workspace_id)}
        )
    elif dialect == "sqlite":
        session.execute(
            update(Workspace)
            .where(Workspace.id == workspace_id)
            .values(name=Workspace.name)
            .execution_options(synchronize_session=False)
        )
    else:
        raise NotImplementedError(f"no claim lock for the {dialect} database")
