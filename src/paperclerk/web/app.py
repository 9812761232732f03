"""The FastAPI application: documents API, health checks and Prometheus metrics."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from paperclerk import __version__
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import is_current, upgrade
from paperclerk.web.audit import router as audit_router
from paperclerk.web.campaigns import router as campaigns_router
from paperclerk.web.documents import router as documents_router
from paperclerk.web.errors import ApiError, install_error_handlers
from paperclerk.web.metrics import MetricsCollector
from paperclerk.web.policy import router as policy_router
from paperclerk.web.state import AppState, State
from paperclerk.web.ui import SESSION_MAX_AGE_S, include_ui
from paperclerk.web.ui.security import secret_key
from paperclerk.web.webhooks import router as webhooks_router


def create_app(
    database_url: str, data_dir: Path, *, migrate: bool = True, max_bytes: int | None = None
) -> FastAPI:
    """Build the app over one database and data folder (migrated to the latest schema)."""
    from paperclerk.settings import get_settings

    if migrate:
        upgrade(database_url)
    engine = make_engine(database_url)
    state = AppState(
        database_url=database_url,
        data_dir=data_dir,
        sessions=make_session_factory(engine),
        blobs=BlobStore.in_data_dir(data_dir),
        max_bytes=max_bytes or get_settings().max_bytes,
    )
    app = FastAPI(
        title="paperclerk",
        version=__version__,
        description="Documents in, typed and checked JSON out.",
    )
    app.state.paperclerk = state
    install_error_handlers(app)
    app.include_router(documents_router)
    app.include_router(webhooks_router)
    app.include_router(audit_router)
    app.include_router(campaigns_router)
    app.include_router(policy_router)
    include_ui(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(data_dir),
        session_cookie="paperclerk_session",
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=get_settings().public_url.startswith("https://"),
    )
    metrics = MetricsCollector(state)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Say the process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz(state: State) -> dict[str, str]:
        """Say whether the database is reachable and its schema current."""
        try:
            with state.sessions() as session:
                session.execute(text("SELECT 1"))
            current = is_current(engine)
        except Exception as exc:
            raise ApiError(
                503, "not_ready", f"database unavailable: {type(exc).__name__}"
            ) from None
        if not current:
            raise ApiError(503, "not_ready", "database schema is not at the latest migration")
        return {"status": "ready"}

    @app.get("/metrics", tags=["health"], response_class=Response)
    def metrics_() -> Response:
        """Prometheus metrics: documents by status, queue depth per lane, errors by code."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
