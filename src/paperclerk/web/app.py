"""The FastAPI application: documents API, health checks and Prometheus metrics."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperclerk import __version__
from paperclerk.storage.database_blobs import open_blob_store
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import is_current, upgrade
from paperclerk.web.approvals import router as approvals_router
from paperclerk.web.audit import router as audit_router
from paperclerk.web.campaigns import router as campaigns_router
from paperclerk.web.cases import router as cases_router
from paperclerk.web.claims import router as claims_router
from paperclerk.web.coding import router as coding_router
from paperclerk.web.documents import router as documents_router
from paperclerk.web.drift import router as drift_router
from paperclerk.web.errors import ApiError, error_body, install_error_handlers
from paperclerk.web.exports import router as exports_router
from paperclerk.web.metrics import MetricsCollector, check_metrics_access
from paperclerk.web.models import router as models_router
from paperclerk.web.orders import router as orders_router
from paperclerk.web.policy import router as policy_router
from paperclerk.web.state import AUTHENTICATED, AppState, State, key_workspace
from paperclerk.web.submission_jobs import router as submission_jobs_router
from paperclerk.web.suppliers import checks_router as supplier_checks_router
from paperclerk.web.suppliers import router as suppliers_router
from paperclerk.web.types import router as types_router
from paperclerk.web.ui import SESSION_MAX_AGE_S, include_ui
from paperclerk.web.ui.security import secret_key
from paperclerk.web.uploads import one_file_part
from paperclerk.web.webhooks import router as webhooks_router

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Scripts only from this server's files; inline `style` attributes stay allowed (the
dashboard draws its bars with computed widths), inline scripts and handlers do not."""
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


BODY_ENVELOPE = 64 * 1024
"""Room above `max_bytes` for the multipart envelope and the other form fields."""


class BodyLimit:
    """ASGI middleware bounding request bodies before the app reads a byte of them.

    A body declared (Content-Length) larger than `limit` is answered 413 unread, and one
    sent in chunks is cut off with 413 once it passes `limit`, so nothing larger is spooled.
    A request with a body to the API (`/v1/...`) is authenticated first: without a valid
    API key it is answered 401 and its body is never read.
    """

    def __init__(self, app: ASGIApp, state: AppState, limit: int) -> None:
        self.app = app
        self.state = state
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an oversized or unauthenticated body, or pass the request on, counted."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = _content_length(headers)
        too_large = f"the request body is larger than {self.limit} bytes"
        if declared is not None and declared > self.limit:
            await _refuse(scope, send, 413, "limit_exceeded", too_large)
            return
        has_body = bool(declared) or "transfer-encoding" in headers
        if has_body and scope["path"].startswith("/v1/"):
            authorization = headers.get("authorization", "")
            try:
                workspace = await run_in_threadpool(key_workspace, self.state, authorization)
            except OperationalError:  # outside the app's handlers: answer its 503 here
                message = "the database is unavailable; retry in a few seconds"
                await _refuse(scope, send, 503, "database_unavailable", message)
                return
            if workspace is None:
                message = "send a valid API key as 'Authorization: Bearer KEY'"
                await _refuse(scope, send, 401, "unauthorized", message)
                return
            scope.setdefault("state", {})[AUTHENTICATED] = workspace  # not checked twice
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise StarletteHTTPException(413, too_large)
            return message

        await self.app(scope, counted, send)


def _content_length(headers: Headers) -> int | None:
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    """Answer with a typed error without reading the request's body (the connection closes)."""
    response = JSONResponse(error_body(code, message), status, headers={"Connection": "close"})
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response.

    The CSP goes on every response except the interactive API docs (`/docs`, `/redoc`),
    whose pages load their scripts from a CDN and run inline ones.
    """

    def __init__(self, app: ASGIApp, csp_exempt: frozenset[str]) -> None:
        self.app = app
        self.csp_exempt = csp_exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and add the headers to the response as it starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_csp = scope["path"] not in self.csp_exempt

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if with_csp:
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
        blobs=open_blob_store(data_dir, database_url),
        max_bytes=max_bytes or get_settings().max_bytes,
    )
    app = FastAPI(
        title="paperclerk",
        version=__version__,
        description="Documents in, typed and checked JSON out.",
    )
    app.state.paperclerk = state
    install_error_handlers(app)
    uploads = [Depends(one_file_part)]
    app.include_router(documents_router, dependencies=uploads)
    app.include_router(exports_router)
    app.include_router(webhooks_router)
    app.include_router(audit_router)
    app.include_router(campaigns_router, dependencies=uploads)
    app.include_router(submission_jobs_router)
    app.include_router(claims_router)
    app.include_router(policy_router)
    app.include_router(cases_router, dependencies=uploads)
    app.include_router(suppliers_router, dependencies=uploads)
    app.include_router(supplier_checks_router)
    app.include_router(orders_router, dependencies=uploads)
    app.include_router(approvals_router)
    app.include_router(coding_router)
    app.include_router(drift_router)
    app.include_router(models_router)
    app.include_router(types_router)
    include_ui(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(data_dir),
        session_cookie="paperclerk_session",
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=get_settings().public_url.startswith("https://"),
    )
    app.add_middleware(BodyLimit, state=state, limit=state.max_bytes + BODY_ENVELOPE)
    exempt = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    app.add_middleware(SecurityHeaders, csp_exempt=frozenset(p for p in exempt if p))
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
    def metrics_(request: Request) -> Response:
        """Prometheus metrics: documents by status, queue depth per lane, errors by code.

        Counted over every workspace, so only for the operator: with
        `PAPERCLERK_METRICS_TOKEN` set, for `Authorization: Bearer <token>`; without, for
        clients on loopback only.
        """
        check_metrics_access(request)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
