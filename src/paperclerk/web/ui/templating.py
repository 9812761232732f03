"""Jinja2 templates of the review UI and the one way every page is rendered."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from paperclerk import __version__
from paperclerk.web.ui.security import CSRF_FIELD, csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def static_version(folder: Path = STATIC_DIR) -> str:
    """Return a short hash of the static files, for their URLs (`?v=`).

    Browsers keep versioned files for good, so the URL must change whenever a file does,
    also between two builds of one package version.
    """
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


STATIC_VERSION = static_version()
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

_AN_EXCEPTIONS = re.compile(r"(?:honest|honou?r|hour|heir)", re.IGNORECASE)
"""Words that begin with a silent h: `an hour`."""
_A_EXCEPTIONS = re.compile(r"(?:eu|ewe|one\b|once|uni|us[aeiu]|uti|ur[aeio]|uk)", re.IGNORECASE)
"""Words that begin with a vowel letter but a consonant sound: `a utility bill`, `a unit`."""


def article(noun: str) -> str:
    """Return a noun with its indefinite article: `invoice` → `an invoice`, `receipt` → `a receipt`.

    Underscores become spaces (`identity_document` → `an identity document`), so document
    type values can be given as they are. The article follows the sound of the first
    word: a vowel letter gives "an" except where it sounds like a consonant (`a utility
    bill`, `a one-off`), and a silent h gives "an" (`an hour`). Empty text stays empty.
    """
    words = " ".join(noun.replace("_", " ").split())
    if not words:
        return ""
    if _AN_EXCEPTIONS.match(words):
        return f"an {words}"
    if words[0].lower() in "aeiou" and not _A_EXCEPTIONS.match(words):
        return f"an {words}"
    return f"a {words}"


templates.env.filters["with_article"] = article


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """Render a template with the request, the CSRF token and the version at hand."""
    ctx: dict[str, Any] = {
        "csrf_token": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "version": STATIC_VERSION,
        "user": None,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status)
