"""The review UI: server-rendered pages (Jinja2 + htmx) behind a session login."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from paperclerk.web.ui.auth import install_ui_handlers
from paperclerk.web.ui.auth import router as auth_router
from paperclerk.web.ui.cases import router as cases_router
from paperclerk.web.ui.claims import router as claims_router
from paperclerk.web.ui.dashboard import router as dashboard_router
from paperclerk.web.ui.documents import router as documents_router
from paperclerk.web.ui.memory import router as memory_router
from paperclerk.web.ui.models import router as models_router
from paperclerk.web.ui.queue import router as queue_router
from paperclerk.web.ui.review import router as review_router
from paperclerk.web.ui.templating import STATIC_DIR
from paperclerk.web.ui.throttle import LoginThrottle
from paperclerk.web.ui.types import router as types_router

SESSION_MAX_AGE_S = 12 * 3600
"""A login lasts one working day."""


class VersionedStatic(StaticFiles):
    """Static files; those asked for with `?v=<version>` are cached for good.

    Templates name every script and stylesheet with the package version, so a browser
    need not ask again on each page: the review screen opens the next document without
    revalidating its scripts.
    """

    async def get_response(self, path: str, scope: Scope) -> Response:
        """Serve the file, marking versioned URLs immutable."""
        response = await super().get_response(path, scope)
        if b"v=" in scope.get("query_string", b"") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def include_ui(app: FastAPI) -> None:
    """Add the UI's routes, static files, login throttle and login/CSRF error handling."""
    from paperclerk.settings import get_settings

    settings = get_settings()
    app.state.login_throttle = LoginThrottle(settings.login_max_failures, settings.login_lockout_s)
    install_ui_handlers(app)
    routers = (
        auth_router, queue_router, review_router, documents_router, dashboard_router,
        memory_router, models_router, claims_router, cases_router, types_router,
    )  # fmt: skip
    for router in routers:
        app.include_router(router)
    app.mount("/static", VersionedStatic(directory=STATIC_DIR), name="static")


__all__ = ["SESSION_MAX_AGE_S", "include_ui"]
