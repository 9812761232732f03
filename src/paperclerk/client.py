"""A small Python client for the paperclerk API, for scripts and RPA robots."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from paperclerk.errors import ServiceUnreachableError


class ClientError(Exception):
    """The service answered with an error (its code and message are kept)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class Client:
    """Submit documents and read results: `Client(url, key).submit(path, wait=30)`."""

    def __init__(self, url: str, api_key: str, timeout: float = 150.0) -> None:
        self.http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        """Turn a network failure into `ServiceUnreachableError`, naming the service."""
        try:
            yield
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise ServiceUnreachableError(
                f"cannot reach the service at {self.http.base_url}: {reason}"
            ) from exc

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                code, message = str(error["code"]), str(error["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "http_error", response.text[:200]
            raise ClientError(response.status_code, code, message)
        body: dict[str, Any] = response.json()
        return body

    def submit(
        self,
        path: Path,
        *,
        wait: float = 0.0,
        doc_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Upload a file; with `wait`, the service answers with the result if it is ready.

        Raises `ClientError` when the service answers with an error and
        `ServiceUnreachableError` when it does not answer at all.
        """
        import json

        data: dict[str, str] = {}
        if doc_type:
            data["doc_type"] = doc_type
        if metadata:
            data["metadata"] = json.dumps(metadata)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        with path.open("rb") as fh, self._reaching():
            response = self.http.post(
                "/v1/documents",
                params={"wait": wait} if wait else None,
                files={"file": (path.name, fh)},
                data=data,
                headers=headers,
            )
        return self._json(response)

    def get(self, document_id: str) -> dict[str, Any]:
        """Return a document's status and result."""
        with self._reaching():
            response = self.http.get(f"/v1/documents/{document_id}")
        return self._json(response)

    def wait(self, document_id: str, timeout: float = 120.0) -> dict[str, Any]:
        """Poll until the document is done, failed or dead, or the timeout passes."""
        deadline = time.monotonic() + timeout
        while True:
            doc = self.get(document_id)
            if doc["status"] in ("done", "failed", "dead") or time.monotonic() > deadline:
                return doc
            time.sleep(0.5)
