"""The review UI: server-rendered pages (Jinja2 + htmx) behind a session login."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from paperclerk.web.ui.auth import install_ui_handlers
from paperclerk.web.ui.auth import router as auth_router
from paperclerk.web.ui.dashboard import router as dashboard_router
from paperclerk.web.ui.documents import router as documents_router
from paperclerk.web.ui.queue import router as queue_router
from paperclerk.web.ui.review import router as review_router
from paperclerk.web.ui.templating import STATIC_DIR

SESSION_MAX_AGE_S = 12 * 3600
"""A login lasts one working day."""


def include_ui(app: FastAPI) -> None:
    """Add the UI's routes, static files and login/CSRF error handling to the app."""
    install_ui_handlers(app)
    for router in (auth_router, queue_router, review_router, documents_router, dashboard_router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


__all__ = ["SESSION_MAX_AGE_S", "include_ui"]
