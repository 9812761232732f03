"""Workspaces, API keys and users: isolation, revocation, hashing."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.storage.columns import Role
from paperclerk.storage.errors import ConflictError, InvalidRequestError, NotFoundError
from paperclerk.storage.repositories import (
    add_user_to_workspace,
    authenticate,
    create_api_key,
    create_user,
    create_workspace,
    get_workspace_by_name,
    list_api_keys,
    parse_key,
    revoke_key,
    user_workspace_ids,
    verify_user,
)
from paperclerk.storage.tables import ApiKey, User


def test_a_key_authenticates_only_as_its_own_workspace(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        a = create_workspace(s, "A").id
        b = create_workspace(s, "B").id
        key_a = create_api_key(s, a)
        key_b = create_api_key(s, b)
    with factory() as s:
        assert authenticate(s, key_a.key) == a
        assert authenticate(s, key_b.key) == b
        # A's id with B's secret, and the reverse, are rejected.
        assert authenticate(s, f"pk_{key_a.key_id}_{key_b.secret}") is None
        assert authenticate(s, f"pk_{key_b.key_id}_{key_a.secret}") is None
        for bad in ("", "pk_", "pk_x", "Bearer x", key_a.key + "x", key_a.key[:-1], "sk_a_b"):
            assert authenticate(s, bad) is None


def test_only_a_hash_of_the_secret_is_stored(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        ws = create_workspace(s, "A").id
        new = create_api_key(s, ws)
    assert new.key == f"pk_{new.key_id}_{new.secret}"
    assert parse_key(new.key) == (new.key_id, new.secret)
    with factory() as s:
        row = s.get(ApiKey, new.key_id)
        assert row is not None
        assert row.secret_hash == hashlib.sha256(new.secret.encode()).hexdigest()
        assert new.secret not in row.secret_hash


def test_revoked_keys_fail_and_other_keys_keep_working(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        ws = create_workspace(s, "A").id
        other = create_workspace(s, "B").id
        first = create_api_key(s, ws)
        second = create_api_key(s, ws)
    with factory.begin() as s:
        assert revoke_key(s, first.key_id, workspace_id=other) is False  # not B's key
        assert revoke_key(s, first.key_id) is True
        assert revoke_key(s, first.key_id) is False  # already revoked
    with factory() as s:
        assert authenticate(s, first.key) is None
        assert authenticate(s, second.key) == ws
        keys = list_api_keys(s, ws)
        assert [k.id for k in keys if k.revoked_at is not None] == [first.key_id]


def test_workspace_names_are_unique(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        ws = create_workspace(s, "Acme")
    with factory.begin() as s, pytest.raises(ConflictError):
        create_workspace(s, " Acme ")
    with factory() as s:
        found = get_workspace_by_name(s, "Acme")
        assert found is not None and found.id == ws.id
        with pytest.raises(NotFoundError):
            create_api_key(s, "no-such-workspace")


def test_users_get_argon2_hashes_and_memberships(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        a = create_workspace(s, "A").id
        b = create_workspace(s, "B").id
        user = create_user(s, "Ann@Example.org", "correct horse", "reviewer", [a])
        add_user_to_workspace(s, user.id, a)  # twice is harmless
    with factory.begin() as s:
        stored = s.scalars(select(User)).one()
        assert stored.password_hash.startswith("$argon2id$")
        assert "correct horse" not in stored.password_hash
        assert stored.role is Role.REVIEWER
        assert user_workspace_ids(s, user.id) == [a]
        assert b not in user_workspace_ids(s, user.id)
        ok = verify_user(s, "ann@example.org ", "correct horse")
        assert ok is not None and ok.id == user.id
        assert verify_user(s, "ann@example.org", "wrong") is None
        assert verify_user(s, "nobody@example.org", "correct horse") is None
    with factory.begin() as s:
        with pytest.raises(ConflictError):
            create_user(s, "ann@example.org", "another password", Role.ADMIN)
        with pytest.raises(InvalidRequestError):
            create_user(s, "bob@example.org", "another password", "owner")
