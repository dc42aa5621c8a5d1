"""Staff accounts: Argon2-hashed passwords, roles, lock-out after repeated failed sign-ins."""
from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select

from runtime import clock
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.errors import Conflict, InvalidInput, PermissionDenied, UserNotFound
from runtime.store.models import User, UserRole
from runtime.roles import ROLE_CODES

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Argon2id at the library's default (RFC 9106 low-memory) cost. The test suite swaps in the cheapest
# parameters (tests/conftest.py): hashes verify the same way, only faster to compute.
_hasher = PasswordHasher()


def create_user(rt: Runtime, username: str, password: str | None, roles: list[str], display_name: str = "",
                department: str | None = None, email: str | None = None) -> str:
    """Create a user; returns the password (generated when none is given)."""
    unknown = sorted(set(roles) - ROLE_CODES)
    if unknown:
        raise InvalidInput(f"unknown roles: {', '.join(unknown)} (known: {', '.join(sorted(ROLE_CODES))})")
    if not username or len(username) > 80:
        raise InvalidInput("a user name of 1 to 80 characters is required")
    password = password or secrets.token_urlsafe(9)
    if len(password) < 8:
        raise InvalidInput("passwords need at least 8 characters")
    with rt.db.transaction() as session:
        if session.scalar(select(User.id).where(User.username == username)):
            raise Conflict(f"the user {username} already exists")
        user = User(username=username, display_name=display_name or username, password_hash=_hasher.hash(password),
                    department=department, email=email, created_at=clock.now())
        user.roles = [UserRole(role=r) for r in sorted(set(roles))]
        session.add(user)
    return password


def authenticate(rt: Runtime, username: str, password: str) -> Actor:
    """Check a password; after MAX_FAILED_LOGINS failures the account is locked for LOCKOUT.

    The failure count is committed before the refusal is raised, so it survives the error.
    """
    with rt.db.transaction() as session:
        refusal, actor = _check_password(session, username, password)
    if refusal or actor is None:
        raise PermissionDenied(refusal or "wrong user name or password")
    return actor


def _check_password(session, username: str, password: str) -> tuple[str | None, Actor | None]:
    user = session.scalar(select(User).where(User.username == username))
    now = clock.now()
    if user is None or not user.active:
        _hasher.hash(password)  # same cost as a real check, so timing does not reveal user names
        return "wrong user name or password", None
    if user.locked_until and user.locked_until > now:
        return f"too many failed sign-ins; try again after {user.locked_until:%H:%M} UTC", None
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        return "wrong user name or password", None
    user.failed_logins, user.locked_until = 0, None
    return None, actor_of(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.role_codes, user.department)


def get_actor(rt: Runtime, username: str) -> Actor:
    with rt.db.reader() as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None:
            raise UserNotFound(f"no active user {username}")
        return actor_of(user)


def list_users(rt: Runtime) -> list[User]:
    with rt.db.reader() as session:
        return list(session.scalars(select(User).order_by(User.username)))
