"""Users of the review UI: argon2 password hashes and workspace memberships."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from paperclerk.storage.columns import Role
from paperclerk.storage.errors import ConflictError, InvalidRequestError, NotFoundError
from paperclerk.storage.tables import LoginEvent, User, UserWorkspace, Workspace

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


def normalise_email(email: str) -> str:
    """Return the email in the one form it is stored and looked up in."""
    return email.strip().lower()


def check_password(password: str, email: str) -> None:
    """Raise `InvalidRequestError` unless the password meets the policy for this user.

    At least `MIN_PASSWORD` and at most `MAX_PASSWORD` characters, and not the email
    address (or the part before its `@`), in any case.
    """
    if len(password) < MIN_PASSWORD:
        raise InvalidRequestError(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidRequestError(f"the password may have at most {MAX_PASSWORD} characters")
    name = normalise_email(email)
    if password.strip().casefold() in (name, name.partition("@")[0]):
        raise InvalidRequestError("the password must not be the user name")


def create_user(
    session: Session,
    email: str,
    password: str,
    role: Role | str,
    workspace_ids: Iterable[str] = (),
) -> User:
    """Create a user with an argon2 password hash and its workspace memberships.

    The password must pass `check_password`.
    """
    email = normalise_email(email)
    if "@" not in email:
        raise InvalidRequestError(f"not an email address: {email!r}")
    check_password(password, email)
    try:
        role = Role(role)
    except ValueError:
        raise InvalidRequestError(f"unknown role {role!r}; use admin or reviewer") from None
    if get_user_by_email(session, email) is not None:
        raise ConflictError(f"user {email} already exists")
    user = User(email=email, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    for workspace_id in workspace_ids:
        add_user_to_workspace(session, user.id, workspace_id)
    return user


def get_user(session: Session, user_id: str) -> User | None:
    """Return the user with this id, or None."""
    return session.get(User, user_id)


def get_user_by_email(session: Session, email: str) -> User | None:
    """Return the user with this email (any case), or None."""
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def verify_user(session: Session, email: str, password: str) -> User | None:
    """Return the user when the password is right, else None.

    An unknown email still costs one argon2 verification, so timing does not reveal which
    accounts exist. A hash made with older parameters is upgraded on success.
    """
    user = get_user_by_email(session, email)
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
        session.flush()
    return user


def add_user_to_workspace(session: Session, user_id: str, workspace_id: str) -> None:
    """Give a user access to a workspace (doing it twice is harmless)."""
    if session.get(Workspace, workspace_id) is None:
        raise NotFoundError(f"no workspace {workspace_id}")
    if session.get(UserWorkspace, (user_id, workspace_id)) is None:
        session.add(UserWorkspace(user_id=user_id, workspace_id=workspace_id))
        session.flush()


def user_workspace_ids(session: Session, user_id: str) -> list[str]:
    """Return the ids of the workspaces a user may see."""
    stmt = select(UserWorkspace.workspace_id).where(UserWorkspace.user_id == user_id)
    return list(session.scalars(stmt.order_by(UserWorkspace.workspace_id)))


LOGIN_OUTCOMES = ("succeeded", "failed", "locked", "refused")
"""A login attempt's outcomes: a wrong password that earned a lockout is `locked`."""


def record_login(session: Session, email: str, client: str, outcome: str) -> None:
    """Record a login attempt on the review UI, so an admin can see guessing and lockouts."""
    if outcome not in LOGIN_OUTCOMES:
        raise ValueError(f"unknown login outcome {outcome!r}")
    session.add(LoginEvent(email=email[:320], client=client[:64], outcome=outcome))


def recent_logins(session: Session, limit: int = 50) -> list[LoginEvent]:
    """Return the latest login events, newest first."""
    query = select(LoginEvent).order_by(LoginEvent.id.desc()).limit(limit)
    return list(session.scalars(query))
