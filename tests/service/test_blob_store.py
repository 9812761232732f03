"""Blob store: content addressing, idempotent and atomic writes, deletes."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from pathlib import Path

import pytest

from paperclerk.storage.blobs import BlobNotFoundError, BlobStore


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.name.startswith(".")]


def test_put_stores_under_its_hash_in_two_levels(tmp_path: Path) -> None:
    store = BlobStore.in_data_dir(tmp_path)
    data = b"%PDF-1.7 receipt"
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.path(sha) == tmp_path / "blobs" / sha[:2] / sha[2:4] / sha
    assert store.get(sha) == data
    assert store.exists(sha)


def test_put_is_idempotent(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    sha = store.put(b"same bytes")
    mtime = store.path(sha).stat().st_mtime_ns
    assert store.put(b"same bytes") == sha
    assert store.path(sha).stat().st_mtime_ns == mtime
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [store.path(sha)]


def test_concurrent_puts_of_the_same_bytes_all_succeed(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = os.urandom(256 * 1024)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(store.put(data))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert store.get(results[0]) == data
    assert _leftovers(tmp_path) == []


def test_a_failed_write_leaves_no_blob_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = BlobStore(tmp_path)
    data = b"half written"
    sha = hashlib.sha256(data).hexdigest()

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.put(data)
    with pytest.raises(OSError, match="disk full"):
        store.put_stream(io.BytesIO(data))
    monkeypatch.undo()
    assert not store.exists(sha)
    assert _leftovers(tmp_path) == []
    with pytest.raises(BlobNotFoundError):
        store.get(sha)
    assert store.put(data) == sha
    assert store.get(sha) == data


def test_put_stream_matches_put(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = os.urandom(3 * 1024 * 1024 + 17)
    sha = store.put_stream(io.BytesIO(data))
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.put_stream(io.BytesIO(data)) == sha
    assert store.get(sha) == data
    assert _leftovers(tmp_path) == []


def test_delete_and_bad_hashes(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    sha = store.put(b"x")
    assert store.delete(sha) is True
    assert store.delete(sha) is False
    with pytest.raises(BlobNotFoundError):
        store.get(sha)
    for bad in ("../../etc/passwd", "ABC", sha.upper(), sha[:-1]):
        with pytest.raises(ValueError):
            store.path(bad)
