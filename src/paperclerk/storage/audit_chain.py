"""Tamper-evident audit trail: each workspace's audit entries form one hash chain.

Every entry gets the next number of its workspace (`seq`), the hash of the entry before it
(`prev_hash`) and its own hash (`entry_hash`): SHA-256 over its number, the previous hash,
who, what, when and a digest of the values it recorded. Changing, removing or inserting a
row directly in the database breaks the chain at that row, which `verify` reports.

Two legitimate changes are part of the design. A retention purge masks personal values in
a document's entries: the values' digest then no longer matches, which `verify` accepts
only where a later entry of the chain records that purge. Deleting a document removes its
entries: the deletion first appends an `audit.erased` entry listing each removed entry's
number and hashes, so the chain still links across the gap. The hashes are not keyed: a
person who can rewrite every row from some point on can recompute them, so an auditor keeps
the head hash that `paperclerk audit export` prints, and a later head must extend it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select, text, update
from sqlalchemy.orm import Session

from paperclerk.storage.tables import AuditEvent, Workspace

GENESIS = "0" * 64
"""The previous hash of a workspace's first entry."""
ERASED_ACTION = "audit.erased"
"""The entry that lists the entries a document's deletion removed."""
PURGE_ACTION = "purge"
"""The entry a retention purge writes; it allows the document's values to be masked."""


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def values_digest(old_value: Any, new_value: Any) -> str:
    """Return the SHA-256 of the values an entry recorded, in canonical JSON."""
    return hashlib.sha256(_canonical([old_value, new_value])).hexdigest()


def _instant(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(entry: AuditEvent, digest: str | None = None) -> str:
    """Return the hash of an entry: its place in the chain, who, what, when and its values."""
    body = {
        "workspace": entry.workspace_id,
        "seq": entry.seq,
        "prev": entry.prev_hash,
        "document": entry.document_id,
        "submission": entry.submission_id,
        "actor": [entry.actor_kind, entry.actor_id],
        "action": entry.action,
        "field": entry.field,
        "at": _instant(entry.at),
        "values": digest or entry.values_digest,
    }
    return hashlib.sha256(_canonical(body)).hexdigest()


def _head(session: Session, workspace_id: str, lock: bool = True) -> tuple[int, str]:
    """Return the last number and hash of a workspace's chain, locking the chain meanwhile."""
    # One writer at a time per workspace: the next number and hash depend on the last.
    if lock and session.get_bind().dialect.name == "postgresql":
        # A transaction-scoped advisory lock, not a row lock on the workspace: inserting any
        # row that references the workspace takes a KEY SHARE lock on it, which FOR UPDATE
        # would wait for, so two workers storing results could deadlock.
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"audit-chain:{workspace_id}"},
        )
    elif lock:
        # SQLite's transaction starts at its first write, and reads before it see no lock:
        # a write first takes the database's write lock, then the head read is the latest.
        session.execute(
            update(Workspace).where(Workspace.id == workspace_id).values(id=Workspace.id)
        )
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.entry_hash)
        .where(AuditEvent.workspace_id == workspace_id, AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if last is None or last.seq is None or last.entry_hash is None:
        return 0, GENESIS
    return last.seq, last.entry_hash


def link(session: Session, entries: Iterable[AuditEvent]) -> None:
    """Give new entries their numbers and hashes, after the last entry of their workspace."""
    heads: dict[str, tuple[int, str]] = {}
    with session.no_autoflush:
        for entry in entries:
            if entry.workspace_id not in heads:
                heads[entry.workspace_id] = _head(session, entry.workspace_id)
            seq, prev = heads[entry.workspace_id]
            if entry.at is None:
                entry.at = dt.datetime.now(dt.UTC)
            entry.seq, entry.prev_hash = seq + 1, prev
            entry.values_digest = values_digest(entry.old_value, entry.new_value)
            entry.entry_hash = entry_hash(entry)
            heads[entry.workspace_id] = (seq + 1, entry.entry_hash)


@event.listens_for(Session, "before_flush")
def _link_new_entries(session: Session, _context: object, _instances: object) -> None:
    """Chain every audit entry about to be inserted, whichever code added it."""
    new = [o for o in session.new if isinstance(o, AuditEvent) and o.seq is None]
    if new:
        new.sort(key=lambda o: getattr(inspect(o), "insert_order", 0) or 0)
        link(session, new)


def erase_entries(session: Session, workspace_id: str, document_id: str, actor: str) -> None:
    """Record, in the chain, the entries that deleting a document is about to remove."""
    removed = session.execute(
        select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.entry_hash)
        .where(AuditEvent.document_id == document_id, AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq)
    ).all()
    session.add(
        AuditEvent(
            document_id=None,
            submission_id=None,
            workspace_id=workspace_id,
            actor_kind="system",
            actor_id=actor,
            action=ERASED_ACTION,
            field=None,
            old_value=None,
            new_value={
                "document_id": document_id,
                "entries": [[r.seq, r.prev_hash, r.entry_hash] for r in removed],
            },
        )
    )
    session.flush()


@dataclass(frozen=True)
class Break:
    """One place where a workspace's chain does not hold, in words."""

    workspace_id: str
    seq: int | None
    entry_id: int | None
    problem: str


@dataclass
class ChainReport:
    """What `verify` found: entries checked, masked and erased ones accepted, and breaks."""

    entries: int = 0
    masked: int = 0
    erased: int = 0
    breaks: list[Break] | None = None

    @property
    def intact(self) -> bool:
        """Whether no break was found."""
        return not self.breaks


def _erased(rows: list[AuditEvent]) -> dict[int, tuple[str, str, int]]:
    """Return the removed entries listed by erasure entries: seq → (prev, hash, listed at)."""
    out: dict[int, tuple[str, str, int]] = {}
    for row in rows:
        if row.action != ERASED_ACTION or not isinstance(row.new_value, dict):
            continue
        for item in row.new_value.get("entries") or []:
            if isinstance(item, list) and len(item) == 3 and isinstance(item[0], int):
                out[item[0]] = (str(item[1]), str(item[2]), row.seq or 0)
    return out


def _purged_at(rows: list[AuditEvent]) -> dict[str, int]:
    """Return, per document, the number of the first purge entry recorded for it."""
    out: dict[str, int] = {}
    for row in rows:
        if row.action == PURGE_ACTION and row.document_id and row.seq is not None:
            out.setdefault(row.document_id, row.seq)
    return out


def verify_workspace(session: Session, workspace_id: str, report: ChainReport) -> None:
    """Walk one workspace's chain from its first entry and add what breaks it to `report`."""
    breaks = report.breaks if report.breaks is not None else []
    report.breaks = breaks
    query = select(AuditEvent).where(AuditEvent.workspace_id == workspace_id)
    rows = list(session.scalars(query.order_by(AuditEvent.id)))
    for row in rows:
        if row.seq is None or row.entry_hash is None:
            breaks.append(Break(workspace_id, None, row.id, "an entry outside the chain"))
    chained = sorted((r for r in rows if r.seq is not None), key=lambda r: r.seq or 0)
    by_seq: dict[int, AuditEvent] = {}
    for row in chained:
        assert row.seq is not None
        if row.seq in by_seq:
            breaks.append(Break(workspace_id, row.seq, row.id, "two entries with one number"))
        by_seq[row.seq] = row
    erased, purged = _erased(chained), _purged_at(chained)
    last = max(by_seq, default=0)
    expected = GENESIS
    for seq in range(1, last + 1):
        entry = by_seq.get(seq)
        if entry is None:
            gone = erased.get(seq)
            if gone is None or gone[2] <= seq:
                breaks.append(Break(workspace_id, seq, None, "an entry is missing"))
                expected = ""
                continue
            if expected and gone[0] != expected:
                breaks.append(Break(workspace_id, seq, None, "a removed entry does not link"))
            report.erased += 1
            expected = gone[1]
            continue
        report.entries += 1
        if expected and entry.prev_hash != expected:
            breaks.append(Break(workspace_id, seq, entry.id, "does not link to the entry before"))
        if entry_hash(entry) != entry.entry_hash:
            breaks.append(Break(workspace_id, seq, entry.id, "changed after it was written"))
        elif values_digest(entry.old_value, entry.new_value) != entry.values_digest:
            if entry.document_id is not None and purged.get(entry.document_id, 0) > seq:
                report.masked += 1
            else:
                breaks.append(Break(workspace_id, seq, entry.id, "its values were changed"))
        expected = entry.entry_hash or ""


def verify(session: Session, workspace_ids: Iterable[str]) -> ChainReport:
    """Check the chains of the given workspaces; a report with no breaks means intact."""
    report = ChainReport(breaks=[])
    for workspace_id in workspace_ids:
        verify_workspace(session, workspace_id, report)
    return report


def export_entries(
    session: Session, workspace_ids: Iterable[str], since: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Yield the entries of the workspaces in chain order as plain JSON-ready dicts."""
    for workspace_id in workspace_ids:
        query = select(AuditEvent).where(AuditEvent.workspace_id == workspace_id)
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        for row in session.scalars(query.order_by(AuditEvent.seq, AuditEvent.id)):
            yield {
                "workspace_id": row.workspace_id,
                "seq": row.seq,
                "id": row.id,
                "at": _instant(row.at),
                "document_id": row.document_id,
                "submission_id": row.submission_id,
                "actor_kind": row.actor_kind,
                "actor_id": row.actor_id,
                "action": row.action,
                "field": row.field,
                "old_value": row.old_value,
                "new_value": row.new_value,
                "values_digest": row.values_digest,
                "prev_hash": row.prev_hash,
                "entry_hash": row.entry_hash,
            }


def heads(session: Session, workspace_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Return each workspace's last number and hash: what an auditor keeps to anchor the chain."""
    out = {}
    for workspace_id in workspace_ids:
        seq, digest = _head(session, workspace_id, lock=False)
        out[workspace_id] = {"seq": seq, "entry_hash": digest}
    return out
