"""Errors of the storage layer, each with a stable code and the HTTP status the API maps it to."""

from __future__ import annotations

from paperclerk.errors import PaperclerkError


class NotFoundError(PaperclerkError):
    """The row does not exist, or belongs to another workspace (the caller cannot tell)."""

    code = "not_found"
    http_status = 404


class ConflictError(PaperclerkError):
    """The write clashes with existing data (a taken name, a reused idempotency key)."""

    code = "conflict"
    http_status = 409


class PurgedError(PaperclerkError):
    """The document's original and page images were deleted under its workspace's retention."""

    code = "purged"
    http_status = 410


class InvalidRequestError(PaperclerkError):
    """A query parameter is malformed (unknown status, bad limit)."""

    code = "invalid_request"
    exit_code = 2
    http_status = 400


class InvalidCursorError(InvalidRequestError):
    """A pagination cursor was not produced by this server or was altered."""

    code = "invalid_cursor"
