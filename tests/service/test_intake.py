"""Watched-folder intake on SQLite and PostgreSQL: submitted once, moved to done/ or failed/."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.engines.base import OcrEngine
from paperclerk.intake import (
    FolderIntake,
    IntakeResources,
    folder_submitter,
    submit_bytes,
    watch_folder,
)
from paperclerk.model import Source
from paperclerk.queue.lease import claim
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.columns import DocumentStatus
from paperclerk.storage.tables import DocumentRow, Job, Workspace
from paperclerk.storage.workspaces import get_workspace_by_name
from paperclerk.worker.tasks import run_job
from tests.service.test_api import receipt_png


@dataclass
class Env:
    root: Path
    resources: IntakeResources
    workspace_id: str

    @property
    def factory(self) -> sessionmaker[Session]:
        return self.resources.sessions

    def intake(self) -> FolderIntake:
        """Return a fresh intake over the same folder, as after a restart."""
        return FolderIntake(self.root, folder_submitter(self.resources, self.workspace_id))

    def count(self, table: type) -> int:
        with self.factory() as session:
            return int(session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
def env(factory: sessionmaker[Session], workspace_id: str, tmp_path: Path) -> Env:
    resources = IntakeResources(factory, BlobStore(tmp_path / "blobs"))
    return Env(tmp_path / "watch", resources, workspace_id)


def sidecar(path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.with_name(path.name + ".json").read_text())
    return value


def test_a_good_file_is_queued_once_and_moved_to_done(env: Env) -> None:
    intake = env.intake()
    data = receipt_png()
    (intake.inbox / "r.png").write_bytes(data)
    assert intake.scan_once() == 0  # first sighting: wait until it is stable
    assert intake.scan_once() == 1
    assert intake.scan_once() == 0 and intake.scan_once() == 0
    assert not any(intake.inbox.iterdir())
    info = sidecar(intake.done / "r.png")
    assert (intake.done / "r.png").read_bytes() == data
    assert info["filename"] == "r.png" and info["already_submitted"] is False
    with env.factory() as session:
        [row] = session.scalars(select(DocumentRow)).all()
        jobs = session.scalars(select(Job)).all()
    assert info["document_id"] == row.id and [j.document_id for j in jobs] == [row.id]
    assert (row.source, row.filename, row.media_type) == ("folder", "r.png", "image/png")
    assert row.sha256 == hashlib.sha256(data).hexdigest() == info["sha256"]
    assert env.resources.blobs.get(row.sha256) == data


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"just some text, not a document", "unsupported_media_type"), (b"", "empty_input"),
     (b"%PDF-1.7\n1 0 obj <<", "corrupt_input")],
)  # fmt: skip
def test_bad_input_goes_to_failed_with_its_error_code(env: Env, data: bytes, code: str) -> None:
    intake = env.intake()
    (intake.inbox / "note.txt").write_bytes(data)
    intake.scan_once()
    assert intake.scan_once() == 1
    info = sidecar(intake.failed / "note.txt")
    assert info["error"]["code"] == code and info["error"]["message"]
    assert (intake.failed / "note.txt").read_bytes() == data
    assert env.count(DocumentRow) == 0 and env.count(Job) == 0
    assert not any(intake.inbox.iterdir())


def test_the_same_file_again_is_not_resubmitted_even_after_a_restart(env: Env) -> None:
    data = receipt_png()
    first = env.intake()
    (first.inbox / "r.png").write_bytes(data)
    first.scan_once()
    first.scan_once()
    document_id = sidecar(first.done / "r.png")["document_id"]
    restarted = env.intake()
    (restarted.inbox / "r.png").write_bytes(data)  # copied in again, unchanged
    restarted.scan_once()
    assert restarted.scan_once() == 1
    again = sidecar(restarted.done / "r-1.png")
    assert again["document_id"] == document_id and again["already_submitted"] is True
    assert env.count(DocumentRow) == 1 and env.count(Job) == 1
    (restarted.inbox / "r.png").write_bytes(receipt_png("OTHER SHOP\nTOTAL 3.00"))
    restarted.scan_once()
    assert restarted.scan_once() == 1
    assert sidecar(restarted.done / "r-2.png")["document_id"] != document_id
    assert env.count(DocumentRow) == 2 and env.count(Job) == 2


def test_a_file_still_being_written_is_not_taken(env: Env) -> None:
    intake = env.intake()
    data = receipt_png()
    path = intake.inbox / "slow.png"
    path.write_bytes(data[:100])
    assert intake.scan_once() == 0
    with path.open("ab") as out:
        out.write(data[100:])
    assert intake.scan_once() == 0  # it grew since the last scan
    assert env.count(DocumentRow) == 0
    assert intake.scan_once() == 1
    with env.factory() as session:
        [row] = session.scalars(select(DocumentRow)).all()
    assert row.sha256 == hashlib.sha256(data).hexdigest()


def test_a_submission_repeated_after_a_crash_maps_to_the_first_document(env: Env) -> None:
    submit = folder_submitter(env.resources, env.workspace_id)
    data = receipt_png()
    assert submit(data, "r.png") == submit(data, "r.png")
    assert submit(data, "other-name.png") != submit(data, "r.png")
    assert env.count(Job) == 2
    direct = submit_bytes(env.resources, env.workspace_id, data, "api.png")
    assert direct.created and env.count(Job) == 3


def test_unexpected_errors_are_retried_then_the_file_fails(tmp_path: Path) -> None:
    calls: list[str] = []

    def flaky(data: bytes, filename: str) -> str:
        calls.append(filename)
        if len(calls) < 3:
            raise ConnectionError("database restarting")
        return "doc-1"

    intake = FolderIntake(tmp_path, flaky)
    (intake.inbox / "a.png").write_bytes(b"x")
    assert [intake.scan_once() for _ in range(4)] == [0, 0, 0, 1]
    assert sidecar(intake.done / "a.png")["document_id"] == "doc-1"

    def broken(data: bytes, filename: str) -> str:
        raise ConnectionError("database gone")

    stuck = FolderIntake(tmp_path / "other", broken, max_errors=2)
    (stuck.inbox / "b.png").write_bytes(b"y")
    assert [stuck.scan_once() for _ in range(3)] == [0, 0, 1]
    assert sidecar(stuck.failed / "b.png")["error"]["code"] == "internal_error"


def test_watch_folder_runs_in_a_thread_and_creates_its_workspace(
    db_url: str, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    stop = threading.Event()
    root = tmp_path / "watch"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "r.png").write_bytes(receipt_png())
    thread = watch_folder(root, db_url, tmp_path / "data", "scanner", stop, interval=0.05)
    try:
        deadline = time.monotonic() + 30
        while not (root / "done" / "r.png.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    info = sidecar(root / "done" / "r.png")
    with factory() as session:
        workspace = get_workspace_by_name(session, "scanner")
        assert isinstance(workspace, Workspace)
        row = session.get(DocumentRow, info["document_id"])
        assert row is not None and row.workspace_id == workspace.id
    assert BlobStore.in_data_dir(tmp_path / "data").exists(row.sha256)


# --- what the worker reads back from the row ------------------------------------------------


class NoOcr:
    """An OCR engine for documents with a text layer: reading a picture is a test failure."""

    name = "none"
    version = "none"

    def read(self, image: object) -> list[object]:
        raise AssertionError("a born-digital PDF needs no OCR")


PDF = (Path(__file__).resolve().parents[2] / "examples" / "invoice-digital.pdf").read_bytes()


def run_stored(env: Env, source: str | None = None, hint: str | None = None) -> DocumentRow:
    """Submit the PDF from the folder, overwrite its stored columns, run its job; return the row."""
    document_id = folder_submitter(env.resources, env.workspace_id)(PDF, "invoice.pdf")
    with env.factory.begin() as session:
        row = session.get(DocumentRow, document_id)
        assert row is not None and row.source == "folder"
        row.source = source or row.source
        row.doc_type_hint = hint
    job = claim(env.factory, "test")
    assert job is not None
    run_job(env.factory, env.resources.blobs, job, engine=cast(OcrEngine, NoOcr()))
    with env.factory() as session:
        done = session.get(DocumentRow, document_id)
        assert done is not None
        return done


@pytest.mark.parametrize(("stored", "read"), [(None, Source.FOLDER), ("mail", Source.EMAIL)])
def test_the_worker_reads_the_stored_source_back_as_its_enum(
    env: Env, stored: str | None, read: Source
) -> None:
    row = run_stored(env, stored, hint="invoice")
    assert row.status == DocumentStatus.DONE and row.result is not None
    assert row.result["source"] == read.value and row.result["doc_type"] == "invoice"


@pytest.mark.parametrize(("source", "hint"), [("fax", None), ("folder", "postcard")])
def test_an_unknown_stored_source_or_hint_is_a_logged_permanent_error(
    env: Env, caplog: pytest.LogCaptureFixture, source: str, hint: str | None
) -> None:
    with caplog.at_level(logging.ERROR, logger="paperclerk.worker.tasks"):
        row = run_stored(env, source, hint)
    assert row.status == DocumentStatus.DEAD and row.result is None
    assert row.error_code == "invalid_stored_value"
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert row.id in record.getMessage() and repr(hint or source) in record.getMessage()
