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
    """The bytes are not a PDF, JPEG, PNG, TIFF, WebP or an e-invoice XML."""

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


class UnsafeXmlError(InputError):
    """An XML input declares a DOCTYPE or entities, or is too large: refused unread.

    External entities (XXE) can read local files or reach the network, and nested
    entities ("billion laughs") expand to gigabytes; an e-invoice needs neither.
    """

    code = "unsafe_xml"


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


def traceback_without_messages(exc: BaseException) -> str:
    """Return where an exception (and what caused it) was raised, with types but no messages.

    For logs next to document content: a message may quote what it failed on (a pydantic
    error quotes the input, a parser the text it read), which may be personal data. The
    frames say where it happened and are enough to find the bug; the message is kept with
    the document or the request, never in a log.
    """
    import traceback

    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"{type(current).__name__} (message withheld)\n{frames}")
        current = current.__cause__ or current.__context__
    return "caused by ".join(reversed(parts)).rstrip()
