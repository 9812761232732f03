"""Watched-folder intake: files dropped in `<root>/inbox` are submitted once, then moved.

Layout under `root`:

- `inbox/`: where scanners, robots and people put files (hidden files are ignored);
- `done/`: submitted files, each with `<name>.json` holding the document id;
- `failed/`: files refused as input (empty, unsupported, corrupt…), each with
  `<name>.json` holding the error code and message;
- `.intake-state.jsonl`: one line per submitted file, keyed by sha256 and name, so a file
  seen again after a restart (or copied in again unchanged) is not submitted twice.

A file is taken only once it has stopped growing: the same size and modification time on
two scans in a row, so a file still being copied is never read half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paperclerk.errors import InputError, LimitExceededError

log = logging.getLogger(__name__)

STATE_FILE = ".intake-state.jsonl"
MAX_ERRORS = 5
"""Unexpected errors (e.g. database down) on one file before it is moved to failed/."""


class FolderIntake:
    """Submit each stable file of `root/inbox` once and move it to `done/` or `failed/`.

    `submit(data, filename)` returns the new document's id and raises `InputError` for input
    that can never be processed; any other error is taken as passing (database restarting,
    disk full) and the file is tried again on the next scans, `max_errors` times at most.
    """

    def __init__(
        self,
        root: Path,
        submit: Callable[[bytes, str], str],
        *,
        max_bytes: int | None = None,
        max_errors: int = MAX_ERRORS,
    ) -> None:
        self.root = Path(root)
        self.inbox = self.root / "inbox"
        self.done = self.root / "done"
        self.failed = self.root / "failed"
        for folder in (self.inbox, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        self.submit = submit
        self.max_bytes = max_bytes
        self.max_errors = max_errors
        self.state_path = self.root / STATE_FILE
        self._submitted = self._load_state()
        self._last_seen: dict[str, tuple[int, int]] = {}
        self._errors: dict[str, int] = {}

    def scan_once(self) -> int:
        """Look at the inbox once; return how many files were moved to done/ or failed/."""
        seen: dict[str, tuple[int, int]] = {}
        handled = 0
        for path in sorted(self.inbox.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            signature = (stat.st_size, stat.st_mtime_ns)
            if self._last_seen.get(path.name) == signature and self._take(path, stat.st_size):
                handled += 1
                continue
            seen[path.name] = signature
        self._last_seen = seen
        return handled

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Scan every `interval` seconds until `stop` is set; an error never ends the loop."""
        while not stop.is_set():
            try:
                self.scan_once()
            except Exception:
                log.exception("scanning %s failed; trying again", self.inbox)
            stop.wait(interval)

    def _take(self, path: Path, size: int) -> bool:
        """Submit one stable file (unless done before) and move it; return whether it moved."""
        if self.max_bytes is not None and size > self.max_bytes:
            error = LimitExceededError(f"the file is larger than {self.max_bytes} bytes")
            return self._reject(path, error, sha256=None)
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("cannot read %s: %s", path.name, type(exc).__name__)
            return False
        if len(data) != size:
            return False  # it changed after the scan; wait until it is stable again
        sha256 = hashlib.sha256(data).hexdigest()
        key = f"{sha256}:{path.name}"
        document_id = self._submitted.get(key)
        repeat = document_id is not None
        if document_id is None:
            try:
                document_id = self.submit(data, path.name)
            except InputError as exc:
                return self._reject(path, exc, sha256)
            except Exception as exc:
                return self._note_error(path, exc, sha256)
            self._remember(key, document_id)
        info = {"document_id": document_id, "sha256": sha256, "already_submitted": repeat}
        self._move(path, self.done, info)
        self._errors.pop(path.name, None)
        log.info("folder intake: %s submitted as %s", path.name, document_id)
        return True

    def _reject(self, path: Path, error: InputError, sha256: str | None) -> bool:
        """Move a file refused as input to failed/ with the error's code and message."""
        info = {"error": error.to_dict(), "sha256": sha256}
        self._move(path, self.failed, info)
        self._errors.pop(path.name, None)
        log.info("folder intake: %s refused: %s", path.name, error.code)
        return True

    def _note_error(self, path: Path, exc: Exception, sha256: str) -> bool:
        """Count an unexpected error; after `max_errors` move the file to failed/."""
        count = self._errors.get(path.name, 0) + 1
        self._errors[path.name] = count
        log.warning("folder intake: %s failed (%s), try %d", path.name, type(exc).__name__, count)
        if count < self.max_errors:
            return False
        message = f"{type(exc).__name__}: {exc}"[:1000]
        info = {"error": {"code": "internal_error", "message": message}, "sha256": sha256}
        self._move(path, self.failed, info)
        self._errors.pop(path.name, None)
        return True

    def _move(self, path: Path, folder: Path, info: dict[str, Any]) -> Path:
        """Move the file into `folder` under a free name and write its `.json` beside it."""
        target = folder / path.name
        n = 1
        while target.exists() or _sidecar(target).exists():
            target = folder / f"{path.stem}-{n}{path.suffix}"
            n += 1
        shutil.move(path, target)
        record = {
            "filename": path.name,
            "at": dt.datetime.now(dt.UTC).isoformat(),
            **info,
        }
        tmp = folder / f".{target.name}.json.tmp"
        tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, _sidecar(target))
        return target

    def _load_state(self) -> dict[str, str]:
        """Read which (sha256, name) pairs were submitted, skipping a torn last line."""
        submitted: dict[str, str] = {}
        try:
            text = self.state_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return submitted
        if text and not text.endswith("\n"):
            with self.state_path.open("a", encoding="utf-8") as out:
                out.write("\n")  # end a torn line, so the next entry starts on its own
        for line in text.splitlines():
            try:
                entry = json.loads(line)
                submitted[str(entry["key"])] = str(entry["document_id"])
            except (ValueError, KeyError, TypeError):
                continue
        return submitted

    def _remember(self, key: str, document_id: str) -> None:
        """Append a submitted file to the state file, flushed to disk before it is moved."""
        self._submitted[key] = document_id
        line = json.dumps({"key": key, "document_id": document_id}) + "\n"
        with self.state_path.open("a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())


def watch_folder(
    root: Path,
    database_url: str,
    data_dir: Path,
    workspace_name: str,
    stop: threading.Event,
    *,
    interval: float = 1.0,
) -> threading.Thread:
    """Start a thread that watches `root` and submits into a workspace (created if missing).

    This is what `paperclerk serve --watch` runs: the same database and blob store as the
    API, files limited to the configured `max_bytes`. Set `stop` and join the thread to end.
    """
    from paperclerk.intake.submit import IntakeResources, ensure_workspace, folder_submitter
    from paperclerk.settings import get_settings
    from paperclerk.storage.database_blobs import open_blob_store
    from paperclerk.storage.db import make_engine, make_session_factory

    resources = IntakeResources(
        make_session_factory(make_engine(database_url)), open_blob_store(data_dir, database_url)
    )
    workspace_id = ensure_workspace(resources.sessions, workspace_name)
    limit = get_settings().max_bytes
    submit = folder_submitter(resources, workspace_id, max_bytes=limit)
    intake = FolderIntake(root, submit, max_bytes=limit)
    thread = threading.Thread(
        target=intake.run, args=(stop, interval), name="folder-intake", daemon=True
    )
    thread.start()
    return thread


def _sidecar(path: Path) -> Path:
    """Return where a moved file's `.json` record lives."""
    return path.with_name(path.name + ".json")
