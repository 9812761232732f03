"""Typed errors with stable codes; the CLI maps each to its own exit code."""

from __future__ import annotations


class PaperclerkError(Exception):
    """Base of every error paperclerk raises on purpose."""

    code = "paperclerk_error"
    exit_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """Return the error as a JSON-ready body."""
        return {"code": self.code, "message": self.message}


class InputError(PaperclerkError):
    """The input document cannot be processed as given."""

    code = "invalid_input"
    exit_code = 3
    http_status = 422


class EmptyInputError(InputError):
    """Zero bytes (or only whitespace) were given."""

    code = "empty_input"


class UnsupportedMediaTypeError(InputError):
    """The bytes are not a PDF, JPEG, PNG, TIFF or WebP."""

    code = "unsupported_media_type"
    http_status = 415


class CorruptInputError(InputError):
    """The file claims a known type but cannot be decoded (truncated or damaged)."""

    code = "corrupt_input"


class EncryptedInputError(InputError):
    """The PDF is password-protected."""

    code = "encrypted_input"


class LimitExceededError(InputError):
    """The input is larger than the configured byte, page or pixel limits."""

    code = "limit_exceeded"
    http_status = 413


class EngineError(PaperclerkError):
    """An OCR engine failed or is not installed."""

    code = "engine_error"
    exit_code = 4


class EngineUnavailableError(EngineError):
    """The requested OCR engine is not installed on this machine."""

    code = "engine_unavailable"


class PolicyError(PaperclerkError):
    """A decision policy, or a workspace's override of it, that is not valid."""

    code = "invalid_policy"
    exit_code = 2
    http_status = 422


class ServiceUnreachableError(PaperclerkError):
    """The paperclerk service could not be reached (refused, unknown host, timed out)."""

    code = "service_unreachable"
    exit_code = 5
    http_status = 503
