"""Every API error is a JSON body with a stable code and a message a person understands."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperclerk.errors import PaperclerkError, traceback_without_messages

log = logging.getLogger(__name__)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "limit_exceeded",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}


class ApiError(PaperclerkError):
    """An error raised by an API route with its HTTP status and code."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.http_status = status
        self.code = code
        self.headers = headers


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """Return the JSON error body every route uses."""
    return {"error": {"code": code, "message": message}}


def install_error_handlers(app: FastAPI) -> None:
    """Turn typed errors, validation errors and HTTP errors into JSON; hide internal ones."""

    @app.exception_handler(PaperclerkError)
    async def typed(_: Request, exc: PaperclerkError) -> JSONResponse:
        status = getattr(exc, "http_status", 500)
        headers = getattr(exc, "headers", None)
        return JSONResponse(error_body(exc.code, str(exc)), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return JSONResponse(error_body("invalid_request", problems or "invalid request"), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(OperationalError)
    async def unavailable(_: Request, exc: OperationalError) -> JSONResponse:
        """Answer 503 with Retry-After for a database that stayed unreachable (not a 500)."""
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        message = "the database is unavailable; retry in a few seconds"
        body = error_body("database_unavailable", message)
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def internal(_: Request, exc: Exception) -> JSONResponse:
        # Types and frames only: a message may quote a request's document or its values.
        log.error("internal error: %s", traceback_without_messages(exc))
        return JSONResponse(error_body("internal_error", "internal error; see the server log"), 500)
