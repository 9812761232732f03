r"""IMAP mailbox intake: attachments of each new message are submitted once, then it is marked.

On every poll the intake logs in, selects its folder and takes the messages that carry
neither of its keywords (`$PaperclerkDone`, `$PaperclerkFailed`). It does not look at
`\Seen`, so a person reading the mailbox never hides mail from it. Each attachment (and each
non-text part with a file name, such as an inline photo) goes through `submit_bytes` with
`source=Source.EMAIL`; the message is then flagged `\Seen` plus:

- `$PaperclerkDone` when at least one attachment was accepted;
- `$PaperclerkFailed` when none was (no attachment, or all refused as input), or after
  `max_errors` unexpected errors (e.g. database down) on the same message.

The keywords are the intake's only state. Each submission carries an idempotency key made of
the message's Message-ID (or a hash of the raw message when it has none), the attachment's
index and a hash of its bytes, so a message seen again after a crash between submitting and
marking maps to the documents created the first time instead of new ones.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import enum
import hashlib
import logging
import mimetypes
import re
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from paperclerk.errors import InputError, PaperclerkError
from paperclerk.intake.submit import (
    IntakeResources,
    SubmitResources,
    ensure_workspace,
    submit_bytes,
)
from paperclerk.model import Source

log = logging.getLogger(__name__)

DONE = "$PaperclerkDone"
FAILED = "$PaperclerkFailed"
SEEN = "\\Seen"
PENDING = ["UNDELETED", "NOT", "KEYWORD", DONE, "NOT", "KEYWORD", FAILED]
"""IMAP SEARCH criteria of the messages not handled yet."""

MAX_ERRORS = 5
"""Unexpected errors (e.g. database down) on one message before it is marked failed."""
MAX_BACKOFF = 900.0
"""Longest wait, in seconds, between polls while the server cannot be reached."""
SOURCE = Source.EMAIL
"""The documents' `source` for mail attachments (stored as its value, `email`)."""


class Security(enum.StrEnum):
    """How the connection is protected: implicit TLS, STARTTLS, or none (loopback only)."""

    TLS = "tls"
    STARTTLS = "starttls"
    PLAIN = "plain"


SCHEMES = {"imaps": Security.TLS, "imap": Security.STARTTLS, "imap+plain": Security.PLAIN}
DEFAULT_PORTS = {Security.TLS: 993, Security.STARTTLS: 143, Security.PLAIN: 143}


class MailboxError(PaperclerkError):
    """The mailbox cannot be used as configured (no STARTTLS offered, no custom keywords)."""

    code = "mailbox_error"


@dataclass(frozen=True)
class MailboxAccount:
    """Where the mailbox is and how to log in; the password is never shown in a repr or log."""

    host: str
    user: str
    password: str = field(repr=False)
    port: int | None = None
    folder: str = "INBOX"
    security: Security = Security.TLS
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    timeout: float = 60.0

    @classmethod
    def from_url(cls, url: str, password: str) -> MailboxAccount:
        """Read `imaps://USER@HOST[:PORT]/FOLDER` (also `imap://` for STARTTLS, `imap+plain://`).

        The user may be percent-encoded (`me%40example.com`); the folder defaults to INBOX.
        A password inside the URL is refused, so it never ends up on a command line.
        """
        parts = urlsplit(url)
        security = SCHEMES.get(parts.scheme.lower())
        if security is None:
            raise ValueError(
                "the mailbox URL must start with imaps:// (TLS), imap:// (STARTTLS) or "
                f"imap+plain:// (no encryption), not {parts.scheme + '://'!r}"
            )
        if parts.password is not None:
            raise ValueError("give the mailbox password in PAPERCLERK_IMAP_PASSWORD, not the URL")
        if not parts.hostname or not parts.username:
            raise ValueError("the mailbox URL needs a user and a host: imaps://USER@HOST/FOLDER")
        return cls(
            host=parts.hostname,
            user=unquote(parts.username),
            password=password,
            port=parts.port,
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
            security=security,
        )

    @property
    def effective_port(self) -> int:
        """Return the port to connect to: the given one or the usual one for the security."""
        return self.port or DEFAULT_PORTS[self.security]

    def describe(self) -> str:
        """Return the account as a URL without password, for logs and the console."""
        scheme = next(name for name, value in SCHEMES.items() if value is self.security)
        host = f"[{self.host}]" if ":" in self.host else self.host
        folder = quote(self.folder)
        return f"{scheme}://{quote(self.user)}@{host}:{self.effective_port}/{folder}"


@dataclass(frozen=True)
class MailAttachment:
    """One part of a message to submit, with its metadata and idempotency key."""

    data: bytes
    filename: str
    metadata: dict[str, Any]
    idempotency_key: str


def connect(account: MailboxAccount) -> IMAPClient:
    """Open a logged-in IMAP connection, with TLS or STARTTLS unless the account says plain.

    Without an `ssl_context` the system's trusted certificates and host name checks apply.
    A server that does not offer STARTTLS when it is asked for is refused, never used in clear.
    """
    context = account.ssl_context or ssl.create_default_context()
    client = IMAPClient(
        account.host,
        port=account.effective_port,
        ssl=account.security is Security.TLS,
        ssl_context=context,
        timeout=account.timeout,
    )
    try:
        if account.security is Security.STARTTLS:
            if not client.has_capability("STARTTLS"):
                raise MailboxError(f"{account.host} does not offer STARTTLS")
            client.starttls(context)
        client.login(account.user, account.password)
    except BaseException:
        with contextlib.suppress(OSError):  # the socket may be half wrapped by a failed TLS
            client.shutdown()
        raise
    return client


class MailboxIntake:
    """Submit the attachments of each unmarked message of one IMAP folder once, then mark it.

    `submit(attachment)` returns the new (or, for a repeated key, the earlier) document's id
    and raises `InputError` for input that can never be processed; any other error is taken
    as passing and the message is tried again on the next polls, `max_errors` times at most.
    """

    def __init__(
        self,
        account: MailboxAccount,
        submit: Callable[[MailAttachment], str],
        *,
        max_errors: int = MAX_ERRORS,
        connector: Callable[[MailboxAccount], IMAPClient] = connect,
    ) -> None:
        self.account = account
        self.submit = submit
        self.max_errors = max_errors
        self.connector = connector
        self._errors: dict[int, int] = {}

    def poll_once(self, stop: threading.Event | None = None) -> int:
        """Log in and handle every unmarked message; return how many messages were marked.

        Connection, login and protocol errors are raised for the caller (`run`) to retry;
        with `stop` set the poll ends after the message at hand.
        """
        client = self.connector(self.account)
        with client:
            self._select(client)
            uids = sorted(int(uid) for uid in client.search(PENDING))
            marked = 0
            for uid in uids:
                if stop is not None and stop.is_set():
                    break
                marked += self._handle(client, uid)
        return marked

    def run(self, stop: threading.Event, interval: float = 60.0) -> None:
        """Poll every `interval` seconds until `stop` is set; an error never ends the loop.

        After failed polls (server down, wrong password) the wait doubles each time, up to
        `MAX_BACKOFF` seconds, and goes back to `interval` after the next good poll.
        """
        failures = 0
        while not stop.is_set():
            try:
                self.poll_once(stop)
                failures = 0
            except Exception as exc:
                failures += 1
                self._log_poll_error(exc, backoff_delay(interval, failures))
            stop.wait(backoff_delay(interval, failures))

    def _select(self, client: IMAPClient) -> None:
        """Select the folder read-write (a read-only one raises) and check it keeps keywords."""
        info = client.select_folder(self.account.folder)
        permanent = {bytes(flag) for flag in info.get(b"PERMANENTFLAGS", (b"\\*",))}
        if b"\\*" not in permanent and not {DONE.encode(), FAILED.encode()} <= permanent:
            raise MailboxError(
                f"folder {self.account.folder!r} does not keep custom keywords, so messages "
                "could not be marked as handled"
            )

    def _handle(self, client: IMAPClient, uid: int) -> int:
        """Submit one message's attachments and mark it; return 1 when it was marked."""
        fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
        raw = fetched.get(b"BODY[]") if fetched else None
        if not isinstance(raw, bytes):
            return 0  # expunged meanwhile
        try:
            accepted = self._process(uid, raw)
        except Exception as exc:  # database restarting, disk full: try it on the next poll
            if not self._note_error(uid, exc):
                return 0
            accepted = 0
        client.add_flags([uid], [SEEN, DONE if accepted else FAILED], silent=True)
        self._errors.pop(uid, None)
        return 1

    def _process(self, uid: int, raw: bytes) -> int:
        """Parse a message and submit its attachments; return how many were accepted."""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = list(attachments(message, message_key(message, raw)))
        accepted, refused = self._submit_all(parts)
        log.info(
            "mailbox intake: UID %d %s: %d attachment(s) submitted, %d refused",
            uid,
            _header(message, "Message-ID") or "(no Message-ID)",
            accepted,
            refused,
        )
        return accepted

    def _submit_all(self, parts: list[MailAttachment]) -> tuple[int, int]:
        """Submit each part; return how many were accepted and how many refused as input."""
        accepted = refused = 0
        for part in parts:
            try:
                document_id = self.submit(part)
            except InputError as exc:
                refused += 1
                log.info("mailbox intake: %s refused: %s", part.filename, exc.code)
                continue
            accepted += 1
            log.info("mailbox intake: %s submitted as %s", part.filename, document_id)
        return accepted, refused

    def _note_error(self, uid: int, exc: Exception) -> bool:
        """Count an unexpected error; return True once `max_errors` is reached (mark failed)."""
        count = self._errors.get(uid, 0) + 1
        self._errors[uid] = count
        log.warning("mailbox intake: UID %d failed (%s), try %d", uid, type(exc).__name__, count)
        return count >= self.max_errors

    def _log_poll_error(self, exc: Exception, delay: float) -> None:
        """Log a failed poll: one line for network and server errors, a traceback otherwise."""
        where = self.account.describe()
        if isinstance(exc, OSError | IMAPClientError | MailboxError):
            log.warning(
                "mailbox intake: %s: %s: %s; next try in %.0fs",
                where,
                type(exc).__name__,
                exc,
                delay,
            )
        else:
            log.exception("mailbox intake: polling %s failed; next try in %.0fs", where, delay)


def backoff_delay(interval: float, failures: int) -> float:
    """Return the wait before the next poll: `interval`, doubled per failure up to a cap."""
    if failures <= 0:
        return interval
    return min(interval * 2.0**failures, max(MAX_BACKOFF, interval))


def message_key(message: Message, raw: bytes) -> str:
    """Return a stable key of a message: a hash of its Message-ID, or of its bytes without one."""
    message_id = _header(message, "Message-ID")
    seed = f"id:{message_id}".encode() if message_id else b"raw:" + raw
    return hashlib.sha256(seed).hexdigest()[:32]


def attachments(message: EmailMessage, key: str) -> Iterator[MailAttachment]:
    """Yield the parts of a message to submit, in order, each with metadata and a key.

    A part is taken when it is an attachment, or when it has a file name and is not text
    (an inline photo or PDF); parts of attached messages (forwarded mail) count too.
    """
    envelope = {
        "from": _header(message, "From"),
        "subject": _header(message, "Subject"),
        "message_id": _header(message, "Message-ID"),
    }
    index = 0
    for part in message.walk():
        if part.is_multipart() or not _is_attachment(part):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = _filename(part, index)
        digest = hashlib.sha256(data).hexdigest()[:16]
        yield MailAttachment(
            data=data,
            filename=filename,
            metadata={"email": {**envelope, "filename": filename}},
            idempotency_key=f"{SOURCE}:{key}:{index}:{digest}",
        )
        index += 1


def mailbox_submitter(
    resources: SubmitResources,
    workspace_id: str,
    *,
    max_bytes: int | None = None,
) -> Callable[[MailAttachment], str]:
    """Return a `submit(attachment) -> document id` for `MailboxIntake`, via `submit_bytes`.

    The media type is sniffed from the bytes, never taken from the message.
    """

    def submit(part: MailAttachment) -> str:
        done = submit_bytes(
            resources,
            workspace_id,
            part.data,
            part.filename,
            source=SOURCE,
            metadata=part.metadata,
            idempotency_key=part.idempotency_key,
            max_bytes=max_bytes,
        )
        return done.document_id

    return submit


def watch_mailbox(
    account: MailboxAccount,
    database_url: str,
    data_dir: Path,
    workspace_name: str,
    stop: threading.Event,
    *,
    interval: float = 60.0,
) -> threading.Thread:
    """Start a thread that polls a mailbox and submits into a workspace (created if missing).

    This is what `paperclerk serve --imap` runs: the same database and blob store as the API,
    attachments limited to the configured `max_bytes`. Set `stop` and join the thread to end.
    """
    from paperclerk.settings import get_settings
    from paperclerk.storage.database_blobs import open_blob_store
    from paperclerk.storage.db import make_engine, make_session_factory

    resources = IntakeResources(
        make_session_factory(make_engine(database_url)), open_blob_store(data_dir, database_url)
    )
    workspace_id = ensure_workspace(resources.sessions, workspace_name)
    submit = mailbox_submitter(resources, workspace_id, max_bytes=get_settings().max_bytes)
    intake = MailboxIntake(account, submit)
    thread = threading.Thread(
        target=intake.run, args=(stop, interval), name="mailbox-intake", daemon=True
    )
    thread.start()
    return thread


def _is_attachment(part: Message) -> bool:
    """Tell whether a leaf part is a document to submit rather than the message's text."""
    if part.get_content_disposition() == "attachment":
        return True
    return _safe_filename(part) is not None and part.get_content_maintype() != "text"


def _filename(part: Message, index: int) -> str:
    """Return the part's file name without any folders, or `attachment-N.ext` without one."""
    name = _safe_filename(part) or ""
    name = _clean(re.split(r"[/\\]", name)[-1]).strip(". ")[:255]
    if name:
        return name
    extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
    return f"attachment-{index + 1}{extension}"


def _safe_filename(part: Message) -> str | None:
    """Return the part's declared file name, or None when it has none or it cannot be read."""
    try:
        name = part.get_filename()
    except Exception:  # a malformed header the parser cannot decode
        return None
    return str(name) if name else None


def _header(message: Message, name: str) -> str:
    """Return a decoded header without control characters, or "" when missing or unreadable."""
    try:
        value = message.get(name)
    except Exception:  # a malformed header the parser cannot decode
        return ""
    return _clean(str(value)).strip()[:998] if value is not None else ""


def _clean(text: str) -> str:
    """Replace control characters (NUL is refused by PostgreSQL JSON) with spaces."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)
