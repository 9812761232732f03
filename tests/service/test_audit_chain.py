"""The audit trail's hash chain: intact as written, broken by any row changed in the database."""

from __future__ import annotations

import threading

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.storage.audit_chain import GENESIS, verify
from paperclerk.storage.repositories import create_document, delete_document
from paperclerk.storage.tables import AuditEvent


def _document(factory: sessionmaker[Session], workspace_id: str, sha: str = "a") -> str:
    with factory.begin() as s:
        doc, _ = create_document(s, workspace_id, sha256=sha * 64, size_bytes=1)
        return doc.id


def _entry(
    s: Session, workspace_id: str, doc_id: str, value: object, action: str = "correct"
) -> None:
    s.add(
        AuditEvent(
            document_id=doc_id, workspace_id=workspace_id, actor_kind="person",
            actor_id="rev@x.org", action=action, field="total", old_value=None, new_value=value,
        )
    )  # fmt: skip


def _trail(factory: sessionmaker[Session], workspace_id: str) -> str:
    doc_id = _document(factory, workspace_id)
    for value in ("12.50", {"rows": [1, 2.5]}, None):
        with factory.begin() as s:
            _entry(s, workspace_id, doc_id, value)
    return doc_id


def _problems(factory: sessionmaker[Session], workspace_id: str) -> list[tuple[int | None, str]]:
    with factory() as s:
        report = verify(s, [workspace_id])
    return [(b.seq, b.problem) for b in report.breaks or []]


def test_entries_are_numbered_and_linked_as_they_are_written(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    _trail(factory, workspace_id)
    with factory() as s:
        rows = s.query(AuditEvent).order_by(AuditEvent.seq).all()
        report = verify(s, [workspace_id])
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.entry_hash for r in rows[:-1]]
    assert report.intact and report.entries == 3


def test_a_value_changed_directly_in_the_database_is_found(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    _trail(factory, workspace_id)
    with factory.begin() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(new_value="999.00"))
    assert _problems(factory, workspace_id) == [(2, "its values were changed")]


def test_who_or_when_changed_directly_is_found(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    _trail(factory, workspace_id)
    with factory.begin() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor_id="boss@x.org"))
    assert _problems(factory, workspace_id) == [(1, "changed after it was written")]


def test_a_row_deleted_or_slipped_in_directly_is_found(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc_id = _trail(factory, workspace_id)
    with factory.begin() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    assert _problems(factory, workspace_id) == [(2, "an entry is missing")]
    with factory.begin() as s:
        s.execute(
            text(
                "INSERT INTO audit_events (document_id, workspace_id, actor_kind, action, at)"
                " VALUES (:d, :w, 'person', 'approve', CURRENT_TIMESTAMP)"
            ),
            {"d": doc_id, "w": workspace_id},
        )
    assert (None, "an entry outside the chain") in _problems(factory, workspace_id)


def test_deleting_a_document_keeps_the_chain_verifiable(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    gone = _trail(factory, workspace_id)
    kept = _document(factory, workspace_id, "b")
    with factory.begin() as s:
        _entry(s, workspace_id, kept, "1.00")
    with factory.begin() as s:
        delete_document(s, workspace_id, gone)
    with factory.begin() as s:
        _entry(s, workspace_id, kept, "2.00")
    with factory() as s:
        report = verify(s, [workspace_id])
    assert report.intact, report.breaks
    assert (report.entries, report.erased) == (3, 3)  # kept ×2 and the erasure entry


def test_values_masked_by_a_recorded_purge_are_accepted_and_only_then(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc_id = _trail(factory, workspace_id)
    with factory.begin() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(new_value="***"))
    assert _problems(factory, workspace_id) == [(1, "its values were changed")]
    with factory.begin() as s:
        _entry(s, workspace_id, doc_id, {"retention_days": 30}, action="purge")
    with factory() as s:
        report = verify(s, [workspace_id])
    assert report.intact and report.masked == 1


def test_writers_at_the_same_time_never_fork_the_chain(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc_id = _document(factory, workspace_id)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(5):
                with factory.begin() as s:
                    _entry(s, workspace_id, doc_id, f"{n}.{i}")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as s:
        report = verify(s, [workspace_id])
    assert report.intact and report.entries == 20
