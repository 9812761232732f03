"""Blobs in the app database, so that a worker machine needs only `PAPERCLERK_DATABASE_URL`.

With `PAPERCLERK_BLOB_STORE=database` originals and page images live in the `blobs` table
(BYTEA on PostgreSQL) instead of `<data dir>/blobs`: every process that reaches the
database reaches them, and no shared folder is needed between machines. The folder store
stays the default on one machine. `open_blob_store` picks the store the settings ask for.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from paperclerk.settings import get_settings
from paperclerk.storage.blobs import BlobNotFoundError, Blobs, BlobStore, check_sha256
from paperclerk.storage.db import make_engine
from paperclerk.storage.tables import BlobRow

_CHUNK = 1024 * 1024


class DatabaseBlobStore:
    """Keep each distinct content once, under its sha256, in the `blobs` table.

    Each call runs in its own short transaction, committed before it returns: a stored
    original is durable before the document that points to it is queued, as with the folder.
    Writing the same bytes twice is a no-op (insert … on conflict do nothing).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def exists(self, sha256: str) -> bool:
        """Tell whether the blob is stored."""
        query = select(BlobRow.sha256).where(BlobRow.sha256 == check_sha256(sha256))
        with self.engine.connect() as conn:
            return conn.scalar(query) is not None

    def put(self, data: bytes) -> str:
        """Store the bytes (once) and return their sha256."""
        sha256 = hashlib.sha256(data).hexdigest()
        values = {"sha256": sha256, "size_bytes": len(data), "data": data}
        dialect = self.engine.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(BlobRow).values(**values).on_conflict_do_nothing()
        with self.engine.begin() as conn:
            conn.execute(statement)
        return sha256

    def put_stream(self, stream: BinaryIO) -> str:
        """Store a stream and return its sha256 (read whole: intake bounds its size)."""
        chunks = []
        while chunk := stream.read(_CHUNK):
            chunks.append(chunk)
        return self.put(b"".join(chunks))

    def get(self, sha256: str) -> bytes:
        """Return the stored bytes; raise `BlobNotFoundError` when there are none."""
        query = select(BlobRow.data).where(BlobRow.sha256 == check_sha256(sha256))
        with self.engine.connect() as conn:
            data = conn.scalar(query)
        if data is None:
            raise BlobNotFoundError(f"no blob {sha256}")
        return bytes(data)

    def delete(self, sha256: str) -> bool:
        """Remove the blob; return whether there was one (deleting twice is harmless)."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(BlobRow).where(BlobRow.sha256 == check_sha256(sha256)))
        return bool(result.rowcount)


_stores: dict[str, DatabaseBlobStore] = {}


def open_blob_store(data_dir: Path, database_url: str) -> Blobs:
    """Return the blob store the settings ask for: `<data_dir>/blobs`, or the database's.

    Database stores are made once per URL and process (one connection pool each).
    """
    if get_settings().blob_store != "database":
        return BlobStore.in_data_dir(data_dir)
    if database_url not in _stores:
        _stores[database_url] = DatabaseBlobStore(make_engine(database_url))
    return _stores[database_url]
