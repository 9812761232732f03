"""Login, logout and who is asking: session-cookie users, roles and CSRF checks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from paperclerk.storage.columns import Role
from paperclerk.storage.users import (
    MAX_PASSWORD,
    get_user,
    record_login,
    user_workspace_ids,
    verify_user,
)
from paperclerk.storage.workspaces import list_workspaces
from paperclerk.web.errors import error_body
from paperclerk.web.state import AppState, State
from paperclerk.web.ui.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    CSRF_KEY,
    CSRF_QUERY,
    csrf_ok,
    csrf_token,
)
from paperclerk.web.ui.templating import render
from paperclerk.web.ui.throttle import LoginThrottle, audit_log

router = APIRouter(include_in_schema=False)
USER_KEY = "uid"
MAX_FIELD = 1000


@dataclass(frozen=True)
class UiUser:
    """A logged-in person: role and the workspaces (id → name) they may see."""

    id: str
    email: str
    role: Role
    workspaces: dict[str, str]

    @property
    def workspace_ids(self) -> tuple[str, ...]:
        """The ids of the workspaces this person may see."""
        return tuple(self.workspaces)

    @property
    def is_admin(self) -> bool:
        """Whether the person is an admin (sees every workspace)."""
        return self.role == Role.ADMIN


class LoginRequired(Exception):
    """Raised by `ui_user` when the request has no valid session."""


class CsrfRefused(Exception):
    """Raised when a state-changing UI request lacks the session's CSRF token."""


class AdminRequired(Exception):
    """Raised by `admin_user` when a logged-in person who is not an admin asks."""


def ui_user(request: Request, state: State) -> UiUser:
    """Return the logged-in user of the session, or raise `LoginRequired`."""
    user_id = request.session.get(USER_KEY)
    if not isinstance(user_id, str):
        raise LoginRequired
    with state.sessions() as session:
        user = get_user(session, user_id)
        if user is None:
            request.session.clear()
            raise LoginRequired
        all_ws = {w.id: w.name for w in list_workspaces(session)}
        if user.role == Role.ADMIN:
            visible = all_ws
        else:
            visible = {w: all_ws[w] for w in user_workspace_ids(session, user.id) if w in all_ws}
        return UiUser(user.id, user.email, Role(user.role), visible)


async def _sent_token(request: Request) -> str | None:
    """Return the CSRF token a request sent in the header or, for a form, in its field."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent


async def csrf_protect(request: Request) -> None:
    """Refuse a state-changing request without this session's CSRF token (header or form)."""
    if not csrf_ok(request, await _sent_token(request)):
        raise CsrfRefused


async def csrf_protect_beacon(request: Request) -> None:
    """Like `csrf_protect`, but also take the token from the query (`?csrf=`).

    `navigator.sendBeacon`, which a page calls as it is closed, cannot set headers. Only
    for requests whose harm is small if the token leaks into a log (releasing one's own
    claim), since a URL is logged where a header is not.
    """
    sent = await _sent_token(request)
    if sent is None:
        sent = request.query_params.get(CSRF_QUERY)
    if not csrf_ok(request, sent):
        raise CsrfRefused


def admin_user(user: Annotated[UiUser, Depends(ui_user)]) -> UiUser:
    """Return the logged-in user if an admin; raise `AdminRequired` (403) otherwise."""
    if not user.is_admin:
        raise AdminRequired
    return user


User = Annotated[UiUser, Depends(ui_user)]
Admin = Annotated[UiUser, Depends(admin_user)]
Csrf = Depends(csrf_protect)
CsrfBeacon = Depends(csrf_protect_beacon)


def wants_html(request: Request) -> bool:
    """Tell whether the caller is a browser navigating (not a script fetching JSON)."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def install_ui_handlers(app: object) -> None:
    """Answer `LoginRequired` with a redirect to the login page (or 401 JSON), CSRF with 403."""
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> Response:
        if wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return JSONResponse(error_body("unauthorized", "log in first"), status_code=401)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(_: Request, __: CsrfRefused) -> Response:
        body = error_body("csrf_failed", "the form is out of date; reload the page and try again")
        return JSONResponse(body, status_code=403)

    @app.exception_handler(AdminRequired)
    async def admin_required(request: Request, _: AdminRequired) -> Response:
        if wants_html(request):
            ctx = {"message": "Only admins may open this page."}
            return render(request, "forbidden.html", ctx, status=403)
        return JSONResponse(error_body("forbidden", "only admins may do this"), status_code=403)


def _safe_next(target: str | None) -> str:
    """Return a local path to go to after login (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:MAX_FIELD]
    return "/review"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """Show the login form."""
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


def login_throttle(request: Request) -> LoginThrottle:
    """Return the app's login throttle (made by `include_ui`)."""
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def _record(state: AppState, email: str, client: str, outcome: str) -> None:
    """Record a login attempt in `login_events` (the security audit)."""
    with state.sessions() as session, session.begin():
        record_login(session, email, client, outcome)


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    state: State,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=MAX_PASSWORD)],
    next: Annotated[str, Form(max_length=MAX_FIELD)] = "/review",
) -> Response:
    """Check the password; on success start a fresh session (new CSRF token) and go on.

    A locked account or client address (too many failures, `LoginThrottle`) is answered
    429 with `Retry-After` and the login page saying so, without checking the password.
    """
    throttle = login_throttle(request)
    client = request.client.host if request.client is not None else "unknown"
    wait = throttle.retry_after(email, client)
    if wait is not None:
        audit_log.warning("login refused, locked: account %r from %s", email, client)
        _record(state, email, client, "refused")
        minutes = max(1, math.ceil(wait / 60))
        message = f"Too many failed logins. Try again in {minutes} minute(s)."
        ctx = {"next": _safe_next(next), "error": message, "email": email}
        response = render(request, "login.html", ctx, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    with state.sessions() as session, session.begin():
        user = verify_user(session, email, password)
        user_id = user.id if user is not None else None
    if user_id is None:
        _record(state, email, client, "locked" if throttle.failed(email, client) else "failed")
        ctx = {"next": _safe_next(next), "error": "Wrong email or password.", "email": email}
        return render(request, "login.html", ctx, status=401)
    throttle.succeeded(email)
    _record(state, email, client, "succeeded")
    request.session.clear()
    request.session[USER_KEY] = user_id
    request.session.pop(CSRF_KEY, None)
    csrf_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request) -> Response:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home() -> Response:
    """Send people to the review queue."""
    return RedirectResponse("/review", status_code=303)
