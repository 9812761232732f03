"""Content-addressed blob stores: originals and page images under their sha256.

`Blobs` is what the service needs of a store. `BlobStore` keeps them on disk
(`<root>/ab/cd/<sha256>`), the default on one machine; `storage.database_blobs` keeps them
in the app database, so that worker machines need only its URL.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol

from paperclerk.errors import PaperclerkError

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024


def check_sha256(sha256: str) -> str:
    """Return the hash if it is a lowercase hex sha256 (a blob's only possible name)."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
    return sha256


class BlobNotFoundError(PaperclerkError):
    """No blob is stored under the requested hash."""

    code = "blob_not_found"
    http_status = 404


class Blobs(Protocol):
    """A content-addressed store: each distinct content once, under its sha256."""

    def exists(self, sha256: str) -> bool:
        """Tell whether the blob is stored."""
        ...

    def put(self, data: bytes) -> str:
        """Store the bytes (once) and return their sha256."""
        ...

    def put_stream(self, stream: BinaryIO) -> str:
        """Store a stream and return its sha256."""
        ...

    def get(self, sha256: str) -> bytes:
        """Return the stored bytes; raise `BlobNotFoundError` when there are none."""
        ...

    def delete(self, sha256: str) -> bool:
        """Remove the blob; return whether there was one."""
        ...


class BlobStore:
    """Keep each distinct content once, under its sha256, written atomically, in a folder.

    A blob appears under its final name only when fully written and flushed (temp file in
    the same folder, fsync, rename), so a crash never leaves a partial original behind and
    readers never see one. Writing the same bytes twice is a no-op.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> BlobStore:
        """Return the store of a data directory (`<data_dir>/blobs`)."""
        return cls(Path(data_dir) / "blobs")

    def path(self, sha256: str) -> Path:
        """Return where the blob with this hash lives (whether or not it exists)."""
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        """Tell whether the blob is stored."""
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Store the bytes (once) and return their sha256."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if target.is_file():
            return sha256
        self._write_atomic(target, lambda out: out.write(data))
        return sha256

    def put_stream(self, stream: BinaryIO) -> str:
        """Store a stream without holding it in memory and return its sha256."""
        digest = hashlib.sha256()
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            target = self.path(sha256)
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return sha256

    def get(self, sha256: str) -> bytes:
        """Return the stored bytes; raise `BlobNotFoundError` when there are none."""
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobNotFoundError(f"no blob {sha256}") from None

    def delete(self, sha256: str) -> bool:
        """Remove the blob; return whether there was one (deleting twice is harmless)."""
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True

    def _write_atomic(self, target: Path, write: Callable[[BinaryIO], object]) -> None:
        """Write through a temp file in the target folder, fsync, then rename into place."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
