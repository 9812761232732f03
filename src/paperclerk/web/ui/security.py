"""Secrets of the review UI: the cookie-signing key and per-session CSRF tokens."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from starlette.requests import Request

from paperclerk.settings import get_settings
from paperclerk.storage.db import create_private_dir

SECRET_FILE = "secret_key"
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_QUERY = "csrf"
"""Query parameter of the token, for `navigator.sendBeacon` (which cannot set headers)."""


def secret_key(data_dir: Path) -> str:
    """Return the session-signing key: PAPERCLERK_SECRET_KEY, else `data_dir/secret_key`.

    The file is created on first start with a random key, readable by the owner only
    (mode 0600), so sessions survive restarts and several processes share one key.
    """
    configured = get_settings().secret_key
    if configured:
        return configured
    path = data_dir / SECRET_FILE
    create_private_dir(data_dir)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def csrf_token(request: Request) -> str:
    """Return the session's CSRF token, creating one for a new session."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def csrf_ok(request: Request, sent: str | None) -> bool:
    """Tell whether `sent` (form field or header) is this session's CSRF token."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token or not sent:
        return False
    return secrets.compare_digest(token.encode(), sent.encode())
