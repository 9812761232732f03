"""IMAP mailbox intake against a real dovecot on loopback, on SQLite and PostgreSQL.

The `dovecot` fixture starts Debian's dovecot (installed by scripts/setup.sh) as a private
instance: its own config, base_dir, passwd-file and Maildir in a temporary folder, listening
on free ports of 127.0.0.1 (plain/STARTTLS and IMAPS with a self-signed certificate). Tests
put messages in with IMAP APPEND, each test in a folder of its own. No OCR runs: documents
are checked queued.
"""

from __future__ import annotations

import email
import email.policy
import grp
import hashlib
import os
import pwd
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import cast

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from paperclerk.cli import app
from paperclerk.engines.base import OcrEngine
from paperclerk.intake import IntakeResources, MailboxAccount, MailboxIntake, watch_mailbox
from paperclerk.intake.mailbox import (
    DONE,
    FAILED,
    SEEN,
    MailAttachment,
    Security,
    attachments,
    backoff_delay,
    mailbox_submitter,
    message_key,
)
from paperclerk.model import Document, Source
from paperclerk.queue.lease import claim
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.tables import DocumentRow, Job, Workspace
from paperclerk.storage.workspaces import get_workspace_by_name
from paperclerk.worker.tasks import run_job

HOST = "127.0.0.1"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PNG = (EXAMPLES / "receipt-scan.png").read_bytes()
PDF = (EXAMPLES / "invoice-digital.pdf").read_bytes()
DOVECOT = shutil.which("dovecot") or next(
    (p for p in ("/usr/sbin/dovecot",) if os.access(p, os.X_OK)), None
)


# --- the dovecot server -------------------------------------------------------------------


@dataclass
class Dovecot:
    """A running private dovecot: where it listens and the test user's login."""

    port: int
    tls_port: int | None
    cafile: Path | None
    user: str
    password: str

    def client(self) -> IMAPClient:
        """Return a logged-in plain connection, for putting messages in and reading flags."""
        client = IMAPClient(HOST, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client


def free_ports(n: int) -> list[int]:
    """Return `n` distinct free TCP ports of the loopback address."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def self_signed_certificate(root: Path) -> tuple[Path, Path] | None:
    """Make a certificate for 127.0.0.1 with openssl (a dovecot dependency); None without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=IP:{HOST}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def accounts_to_run_as() -> tuple[str, str, str]:
    """Return dovecot's internal user, login user and the mail owner for this process.

    As root (CI) the package's own users and `nobody` for the mail; otherwise everything runs
    as the current user, the way dovecot runs without root.
    """
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid()).pw_name
        return me, me, me
    for name in ("dovecot", "dovenull", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            pytest.skip(f"user {name!r} is missing; install dovecot-imapd (scripts/setup.sh)")
    return "dovecot", "dovenull", "nobody"


def dovecot_config(root: Path, ports: list[int], tls: tuple[Path, Path] | None) -> str:
    """Return a dovecot.conf for a private instance under `root` listening on `ports`."""
    internal, login, _ = accounts_to_run_as()
    no_chroot = "chroot =" if os.getuid() != 0 else ""  # only root can chroot
    if tls:
        ssl_lines = f"ssl = yes\nssl_cert = <{tls[0]}\nssl_key = <{tls[1]}"
        imaps = f"address = {HOST}\n    port = {ports[1]}\n    ssl = yes"
    else:
        ssl_lines, imaps = "ssl = no", "port = 0"
    return f"""
instance_name = paperclerk-test-{uuid.uuid4().hex[:8]}
protocols = imap
listen = {HOST}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{ssl_lines}
disable_plaintext_auth = no
auth_mechanisms = plain
auth_failure_delay = 0
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users
}}
userdb {{
  driver = passwd-file
  args = {root}/users
}}
service imap-login {{
  {no_chroot}
  inet_listener imap {{
    address = {HOST}
    port = {ports[0]}
  }}
  inet_listener imaps {{
    {imaps}
  }}
}}
service anvil {{
  {no_chroot}
}}
"""


def wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Wait until dovecot greets on `port`; fail with its log when it exits or hangs."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection((HOST, port), timeout=1) as conn:
                if conn.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    text = "".join(p.read_text(errors="replace") for p in log.parent.glob("*.log"))
    pytest.fail(f"dovecot did not start (exit {process.poll()}):\n{text[-3000:]}")


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """Start a private dovecot for this module's tests and stop it at the end."""
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; scripts/setup.sh)")
    root = Path(tempfile.mkdtemp(prefix="paperclerk-dovecot-"))
    root.chmod(0o755)  # dovecot's own users must reach the users file and the mail
    try:
        _, _, owner = accounts_to_run_as()
        mail_user = pwd.getpwnam(owner)
        (root / "mail").mkdir()
        os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        password = secrets.token_hex(12)
        (root / "users").write_text(
            f"clerk:{{PLAIN}}{password}:{mail_user.pw_uid}:{mail_user.pw_gid}::"
            f"{root}/mail/clerk::\n"
        )
        tls = self_signed_certificate(root)
        ports = free_ports(2)
        (root / "dovecot.conf").write_text(dovecot_config(root, ports, tls))
        log = root / "dovecot.log"
        with (root / "stderr.log").open("wb") as stderr:
            process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
            )  # fmt: skip
        try:
            wait_until_listening(process, ports[0], log)
            yield Dovecot(ports[0], ports[1] if tls else None, tls[0] if tls else None,
                          "clerk", password)  # fmt: skip
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Mailbox:
    """One IMAP folder of the test user, new for each test."""

    server: Dovecot
    folder: str

    def account(self, security: Security = Security.PLAIN, **changes: object) -> MailboxAccount:
        """Return the intake's account for this folder over plain IMAP (loopback)."""
        fields: dict[str, object] = {
            "host": HOST, "user": self.server.user, "password": self.server.password,
            "port": self.server.port, "folder": self.folder, "security": security,
            "timeout": 10.0,
        }  # fmt: skip
        fields.update(changes)
        return MailboxAccount(**fields)  # type: ignore[arg-type]

    def append(self, raw: bytes, flags: tuple[str, ...] = ()) -> int:
        """Put a message in with APPEND; return its UID."""
        with self.server.client() as client:
            client.append(self.folder, raw, flags=flags)
            client.select_folder(self.folder, readonly=True)
            return max(int(uid) for uid in client.search("ALL"))

    def flags(self) -> dict[int, set[str]]:
        """Return the flags and keywords of every message, by UID."""
        with self.server.client() as client:
            client.select_folder(self.folder, readonly=True)
            found = client.get_flags(client.search("ALL"))
        return {int(uid): {f.decode() for f in flags} for uid, flags in found.items()}

    def unmark(self, uid: int) -> None:
        """Take our keywords and \\Seen off a message, as after a crash before marking it."""
        with self.server.client() as client:
            client.select_folder(self.folder)
            client.remove_flags([uid], [SEEN, DONE, FAILED], silent=True)


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    """Create an empty folder for one test."""
    folder = f"T{uuid.uuid4().hex[:10]}"
    with dovecot.client() as client:
        client.create_folder(folder)
    return Mailbox(dovecot, folder)


def message(
    subject: str,
    *parts: tuple[str, bytes, str],
    message_id: str | None = "auto",
    sender: str = "Shop <shop@example.com>",
) -> bytes:
    """Return a message with a text body and `(filename, data, media type)` attachments."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "clerk@example.com"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    if message_id is not None:
        msg["Message-ID"] = make_msgid(domain="example.com") if message_id == "auto" else message_id
    msg.set_content("Please process the attached documents.\n")
    for filename, data, media_type in parts:
        maintype, subtype = media_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=email.policy.SMTP)


def recorder(ids: Callable[[MailAttachment], str] | None = None) -> tuple[
    list[MailAttachment], Callable[[MailAttachment], str]
]:  # fmt: skip
    """Return a list and a `submit` that appends each attachment to it."""
    seen: list[MailAttachment] = []

    def submit(part: MailAttachment) -> str:
        seen.append(part)
        return ids(part) if ids else f"doc-{len(seen)}"

    return seen, submit


# --- with the database ----------------------------------------------------------------------


@dataclass
class Env:
    mailbox: Mailbox
    resources: IntakeResources
    workspace_id: str

    def intake(self) -> MailboxIntake:
        """Return a fresh intake over the test folder, as after a restart."""
        submit = mailbox_submitter(self.resources, self.workspace_id)
        return MailboxIntake(self.mailbox.account(), submit)

    def documents(self) -> list[DocumentRow]:
        with self.resources.sessions() as session:
            return list(session.scalars(select(DocumentRow).order_by(DocumentRow.filename)))

    def jobs(self) -> int:
        with self.resources.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(Job)) or 0)


@pytest.fixture
def env(mailbox: Mailbox, factory: sessionmaker[Session], workspace_id: str, tmp_path: Path) -> Env:
    return Env(mailbox, IntakeResources(factory, BlobStore(tmp_path / "blobs")), workspace_id)


def test_attachments_of_a_new_message_are_queued_once_and_it_is_marked_done(env: Env) -> None:
    raw = message(
        "Reçu 42 — März",
        ("reçu-scan.png", PNG, "image/png"),
        ("invoice-digital.pdf", PDF, "application/pdf"),
        message_id="<r42@example.com>",
    )
    uid = env.mailbox.append(raw)
    intake = env.intake()
    assert intake.poll_once() == 1
    assert env.mailbox.flags()[uid] >= {SEEN, DONE} and FAILED not in env.mailbox.flags()[uid]
    invoice, receipt = env.documents()
    assert env.jobs() == 2
    for row, filename, data, media_type in [
        (receipt, "reçu-scan.png", PNG, "image/png"),
        (invoice, "invoice-digital.pdf", PDF, "application/pdf"),
    ]:
        assert (row.workspace_id, row.source, row.status) == (env.workspace_id, "email", "queued")
        assert (row.filename, row.media_type) == (filename, media_type)
        assert row.sha256 == hashlib.sha256(data).hexdigest()
        assert env.resources.blobs.get(row.sha256) == data
        assert row.meta == {
            "email": {
                "from": "Shop <shop@example.com>",
                "subject": "Reçu 42 — März",
                "message_id": "<r42@example.com>",
                "filename": filename,
            }
        }
    assert intake.poll_once() == 0 and intake.poll_once() == 0
    assert len(env.documents()) == 2 and env.jobs() == 2


class NoOcr:
    """An OCR engine for documents with a text layer: reading a picture is a test failure."""

    name = "none"
    version = "none"

    def read(self, image: object) -> list[object]:
        raise AssertionError("a born-digital PDF needs no OCR")


def test_a_mailed_document_keeps_the_email_source_in_its_result(env: Env) -> None:
    env.mailbox.append(message("invoice", ("invoice.pdf", PDF, "application/pdf")))
    assert env.intake().poll_once() == 1
    factory, blobs = env.resources.sessions, env.resources.blobs
    job = claim(factory, "test")
    assert job is not None and claim(factory, "test") is None
    assert run_job(factory, blobs, job, engine=cast(OcrEngine, NoOcr()))
    [row] = env.documents()
    assert row.status == "done" and row.source == "email" and row.result is not None
    assert row.result["source"] == "email"
    assert Document.model_validate(row.result).source is Source.EMAIL


def test_a_message_without_attachments_is_marked_failed_and_submits_nothing(env: Env) -> None:
    uid = env.mailbox.append(message("just saying hello"))
    assert env.intake().poll_once() == 1
    assert env.mailbox.flags()[uid] >= {SEEN, FAILED} and DONE not in env.mailbox.flags()[uid]
    assert env.documents() == [] and env.jobs() == 0


def test_refused_attachments_do_not_stop_the_loop(env: Env) -> None:
    corrupt = env.mailbox.append(
        message("broken", ("scan.pdf", b"%PDF-1.7\n1 0 obj <<", "application/pdf"),
                ("notes.txt", b"not a document", "text/plain"), ("empty.png", b"", "image/png"))
    )  # fmt: skip
    mixed = env.mailbox.append(
        message("mixed", ("notes.zip", b"PK\x03\x04zipzip", "application/zip"),
                ("receipt.png", PNG, "image/png"))
    )  # fmt: skip
    good = env.mailbox.append(message("good", ("invoice.pdf", PDF, "application/pdf")))
    assert env.intake().poll_once() == 3
    flags = env.mailbox.flags()
    assert flags[corrupt] >= {SEEN, FAILED}
    assert flags[mixed] >= {SEEN, DONE} and flags[good] >= {SEEN, DONE}
    assert sorted(row.filename or "" for row in env.documents()) == ["invoice.pdf", "receipt.png"]


def test_a_restarted_intake_never_submits_a_message_twice(env: Env) -> None:
    uid = env.mailbox.append(
        message("r", ("r.png", PNG, "image/png"), ("i.pdf", PDF, "application/pdf"))
    )
    assert env.intake().poll_once() == 1
    first = {row.id for row in env.documents()}
    assert env.intake().poll_once() == 0  # marked: a new intake does not even look at it
    env.mailbox.unmark(uid)  # as if the process died after submitting, before marking
    assert env.intake().poll_once() == 1
    assert {row.id for row in env.documents()} == first and env.jobs() == 2
    assert env.mailbox.flags()[uid] >= {SEEN, DONE}


def test_without_a_message_id_the_raw_message_is_the_key(env: Env) -> None:
    raw = message("no id", ("r.png", PNG, "image/png"), message_id=None)
    env.mailbox.append(raw)
    env.mailbox.append(raw)  # delivered twice
    env.mailbox.append(message("no id either", ("r.png", PNG, "image/png"), message_id=None,
                               sender="other@example.com"))  # fmt: skip
    assert env.intake().poll_once() == 3
    assert len(env.documents()) == 2 and env.jobs() == 2
    assert all(DONE in flags for flags in env.mailbox.flags().values())


def test_watch_mailbox_runs_in_a_thread_and_creates_its_workspace(
    mailbox: Mailbox, db_url: str, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    uid = mailbox.append(message("r", ("r.png", PNG, "image/png")))
    stop = threading.Event()
    thread = watch_mailbox(mailbox.account(), db_url, tmp_path / "data", "mail", stop,
                           interval=0.1)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while DONE not in mailbox.flags()[uid] and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    with factory() as session:
        workspace = get_workspace_by_name(session, "mail")
        assert isinstance(workspace, Workspace)
        [row] = session.scalars(select(DocumentRow)).all()
    assert (row.workspace_id, row.source, row.filename) == (workspace.id, "email", "r.png")
    assert BlobStore.in_data_dir(tmp_path / "data").exists(row.sha256)


# --- the server only ------------------------------------------------------------------------


def test_a_message_already_read_by_a_person_is_still_taken(mailbox: Mailbox) -> None:
    uid = mailbox.append(message("r", ("r.png", PNG, "image/png")), flags=(SEEN,))
    seen, submit = recorder()
    assert MailboxIntake(mailbox.account(), submit).poll_once() == 1
    assert [part.filename for part in seen] == ["r.png"] and seen[0].data == PNG
    assert DONE in mailbox.flags()[uid]


def test_unexpected_errors_leave_the_message_unread_for_the_next_poll(mailbox: Mailbox) -> None:
    calls: list[str] = []

    def flaky(part: MailAttachment) -> str:
        calls.append(part.filename)
        if len(calls) < 3:
            raise ConnectionError("database restarting")
        return "doc-1"

    uid = mailbox.append(message("r", ("r.png", PNG, "image/png")))
    intake = MailboxIntake(mailbox.account(), flaky)
    assert intake.poll_once() == 0
    assert mailbox.flags()[uid] == set()  # fetched with PEEK: not even \Seen
    assert [intake.poll_once(), intake.poll_once()] == [0, 1]
    assert mailbox.flags()[uid] >= {SEEN, DONE}

    def broken(part: MailAttachment) -> str:
        raise ConnectionError("database gone")

    stuck = mailbox.append(message("s", ("s.png", PNG, "image/png")))
    intake = MailboxIntake(mailbox.account(), broken, max_errors=2)
    assert [intake.poll_once(), intake.poll_once()] == [0, 1]
    assert mailbox.flags()[stuck] >= {SEEN, FAILED}


@pytest.mark.parametrize("security", [Security.TLS, Security.STARTTLS])
def test_tls_and_starttls_connections(mailbox: Mailbox, security: Security) -> None:
    server = mailbox.server
    if server.cafile is None or server.tls_port is None:
        pytest.skip("openssl is missing, so the server has no certificate")
    port = server.tls_port if security is Security.TLS else server.port
    trusting = ssl.create_default_context(cafile=str(server.cafile))
    uid = mailbox.append(message("r", ("r.png", PNG, "image/png")))
    seen, submit = recorder()
    account = mailbox.account(security, port=port, ssl_context=trusting)
    assert MailboxIntake(account, submit).poll_once() == 1
    assert len(seen) == 1 and DONE in mailbox.flags()[uid]
    untrusted = MailboxIntake(mailbox.account(security, port=port), submit)
    with pytest.raises(ssl.SSLCertVerificationError):
        untrusted.poll_once()  # the default context does not trust a self-signed certificate


def test_a_wrong_password_is_an_error_of_the_poll(mailbox: Mailbox) -> None:
    _, submit = recorder()
    intake = MailboxIntake(mailbox.account(password="wrong"), submit)
    with pytest.raises(IMAPClientError):
        intake.poll_once()


def test_an_unreachable_server_is_retried_with_backoff(caplog: pytest.LogCaptureFixture) -> None:
    from paperclerk.intake.mailbox import connect

    [port] = free_ports(1)  # nothing listens there
    account = MailboxAccount(HOST, "u", "p", port=port, security=Security.PLAIN, timeout=2)
    tries: list[float] = []

    def connector(account: MailboxAccount) -> IMAPClient:
        tries.append(time.monotonic())
        return connect(account)

    _, submit = recorder()
    stop = threading.Event()
    intake = MailboxIntake(account, submit, connector=connector)
    thread = threading.Thread(target=intake.run, args=(stop, 0.01), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while len(tries) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and len(tries) >= 4
    assert tries[3] - tries[0] >= 0.02 + 0.04 + 0.08 - 0.005  # waits doubled each time
    assert "ConnectionRefusedError" in caplog.text and "p@" not in caplog.text


# --- without a server -----------------------------------------------------------------------


def test_backoff_doubles_up_to_a_cap() -> None:
    assert [backoff_delay(60, n) for n in range(6)] == [60, 120, 240, 480, 900, 900]
    assert backoff_delay(1200, 3) == 1200


def test_which_parts_of_a_message_are_taken() -> None:
    outer = EmailMessage()
    outer["From"], outer["Subject"], outer["Message-ID"] = "a@example.com", "fwd", "<o@x>"
    outer.set_content("see below")
    outer.add_related(PNG, "image", "png", cid="<logo>")  # inline logo, no file name
    inline = EmailMessage()
    inline.set_content(PNG, "image", "png", disposition="inline", filename="photo.png")
    forwarded = EmailMessage()
    forwarded["Subject"] = "the original"
    forwarded.set_content("text")
    forwarded.add_attachment(PDF, "application", "pdf", filename="../../etc/in\x01voice.pdf")
    forwarded.add_attachment(b"raw", "application", "octet-stream")  # no file name
    outer.make_mixed()
    outer.attach(inline)
    outer.add_attachment(forwarded)
    raw = outer.as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    key = message_key(parsed, raw)
    parts = list(attachments(parsed, key))
    assert [p.filename for p in parts] == ["photo.png", "in voice.pdf", "attachment-3.bin"]
    assert [p.data for p in parts] == [PNG, PDF, b"raw"]
    assert len({p.idempotency_key for p in parts}) == 3
    assert all(p.idempotency_key.startswith(f"email:{key}:") for p in parts)
    assert parts[0].metadata["email"]["message_id"] == "<o@x>"
    assert key == message_key(parsed, b"other bytes")  # the Message-ID decides, not the bytes


def test_the_account_is_read_from_a_url() -> None:
    account = MailboxAccount.from_url("imaps://me%40example.com@mail.example.com/Scans", "pw")
    assert (account.host, account.user, account.password) == (
        "mail.example.com", "me@example.com", "pw")  # fmt: skip
    assert (account.folder, account.security, account.effective_port) == ("Scans", "tls", 993)
    plain = MailboxAccount.from_url("imap+plain://clerk@127.0.0.1:1143", "pw")
    assert (plain.security, plain.effective_port, plain.folder) == ("plain", 1143, "INBOX")
    assert MailboxAccount.from_url("imap://u@h/INBOX", "pw").security is Security.STARTTLS
    assert plain.describe() == "imap+plain://clerk@127.0.0.1:1143/INBOX"
    assert "pw" not in repr(plain)
    for bad in ("imaps://u:secret@h/INBOX", "http://u@h/", "imaps://h/INBOX"):
        with pytest.raises(ValueError):
            MailboxAccount.from_url(bad, "pw")


def test_serve_needs_the_password_in_the_environment(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["serve", "--data-dir", str(tmp_path / "d"), "--imap", "imaps://u@h/INBOX"]
    result = runner.invoke(app, args, env={"PAPERCLERK_IMAP_PASSWORD": ""})
    assert result.exit_code == 2 and "PAPERCLERK_IMAP_PASSWORD" in result.output
    result = runner.invoke(app, [*args[:-1], "imaps://u:pw@h/"],
                           env={"PAPERCLERK_IMAP_PASSWORD": "x"})  # fmt: skip
    assert result.exit_code == 2 and "not the URL" in result.output
    assert not (tmp_path / "d").exists()
