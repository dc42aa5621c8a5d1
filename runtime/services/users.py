"""Staff accounts: Argon2-hashed passwords, roles, lock-out after repeated failed sign-ins."""
from __future__ import annotations

import hashlib

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select

from runtime import clock
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.errors import Conflict, InvalidInput, PermissionDenied, UserNotFound
from runtime.store.models import User, UserRole
from runtime.roles import ROLE_CODES

# Argon2id at the library's default (RFC 9106 low-memory) cost. The test suite swaps in the cheapest
# parameters (tests/conftest.py): hashes verify the same way, only faster to compute.
_hasher = PasswordHasher()
MIN_PASSWORD = 8


def create_user(rt: Runtime, username: str, password: str | None, roles: list[str], display_name: str = "",
                department: str | None = None, email: str | None = None) -> str:
    """Create a user; returns the password (generated when none is given)."""
    unknown = sorted(set(roles) - ROLE_CODES)
    if unknown:
        raise InvalidInput(f"unknown roles: {', '.join(unknown)} (known: {', '.join(sorted(ROLE_CODES))})")
    if not username or len(username) > 80:
        raise InvalidInput("a user name of 1 to 80 characters is required")
    password = password or generated_password()
    password_hash = hash_password(password)
    with rt.db.transaction() as session:
        if session.scalar(select(User.id).where(User.username == username)):
            raise Conflict(f"the user {username} already exists")
        user = User(username=username, display_name=display_name or username, password_hash=password_hash,
                    department=department, email=email, created_at=clock.now())
        user.roles = [UserRole(role=r) for r in sorted(set(roles))]
        session.add(user)
    return password


def generated_password() -> str:
    return secrets.token_urlsafe(9)


def hash_password(password: str) -> str:
    """The stored form of a new password, after the one length rule every way of setting one shares."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"passwords need at least {MIN_PASSWORD} characters", field_errors={"password": "short"})
    if len(password) > 200:
        raise InvalidInput("passwords may have at most 200 characters", field_errors={"password": "long"})
    return _hasher.hash(password)


WRONG = "wrong user name or password"


def authenticate(rt: Runtime, username: str, password: str) -> Actor:
    """Check a password: one answer for an unknown name and a wrong password, in the same time.

    Guessing is slowed where the guesses come from (the web layer throttles per client and per
    client and account); no account is ever locked, so nobody can lock another person out.
    """
    with rt.db.reader() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            _hasher.hash(password)  # same cost as a real check, so timing does not reveal user names
            raise PermissionDenied(WRONG)
        if not verify_password(user.password_hash, password):
            raise PermissionDenied(WRONG)
        return actor_of(user)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.role_codes, user.department, locale=user.locale,
                 credential=hashlib.sha256(user.password_hash.encode()).hexdigest()[:24])


def get_actor(rt: Runtime, username: str) -> Actor:
    with rt.db.reader() as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None:
            raise UserNotFound(f"no active user {username}", username=username)
        return actor_of(user)


def list_users(rt: Runtime) -> list[User]:
    with rt.db.reader() as session:
        return list(session.scalars(select(User).order_by(User.username)))
