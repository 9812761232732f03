"""Jinja2 templates of the review UI and the one way every page is rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from paperclerk import __version__
from paperclerk.web.ui.security import CSRF_FIELD, csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """Render a template with the request, the CSRF token and the version at hand."""
    ctx: dict[str, Any] = {
        "csrf_token": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "version": __version__,
        "user": None,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status)
