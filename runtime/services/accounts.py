"""What administrators do to staff accounts: disable and enable, set the roles, reset a password.

Each is one transaction that also writes an audit event (no instance: the event log leaves these out), so
"who gave li the admin role, and when" has an answer. A disabled user can neither sign in nor use an API
token (both check ``active``); their history and open tasks stay as they were.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime import clock
from runtime.actors import REPAIR_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput, UserNotFound
from runtime.roles import ROLE_CODES
from runtime.services.users import generated_password, hash_password, verify_password
from runtime.store.models import AuditEvent, User, UserRole


def set_active(rt: Runtime, admin: Actor, username: str, active: bool) -> bool:
    """Disable or enable ``username``; returns whether anything changed (doing it twice is harmless)."""
    require_any(admin, REPAIR_ROLES, "disable or enable accounts")
    if not active and username == admin.username:
        raise InvalidInput("administrators cannot disable their own account", field_errors={"user": "self"})
    with rt.db.transaction() as session:
        user = _user(session, username)
        if user.active == active:
            return False
        user.active = active
        _audit(session, admin, "user_enabled" if active else "user_disabled", username)
    return True


def set_roles(rt: Runtime, admin: Actor, username: str, roles: list[str]) -> list[str]:
    """Replace the roles of ``username`` with ``roles`` (at least one, all known); returns them sorted."""
    require_any(admin, REPAIR_ROLES, "set roles")
    wanted = sorted(set(roles))
    unknown = sorted(set(wanted) - ROLE_CODES)
    if unknown:
        raise InvalidInput(f"unknown roles: {', '.join(unknown)} (known: {', '.join(sorted(ROLE_CODES))})",
                           field_errors={"roles": "unknown"})
    if not wanted:
        raise InvalidInput("a user needs at least one role", field_errors={"roles": "required"})
    with rt.db.transaction() as session:
        user = _user(session, username)
        before = sorted(user.role_codes)
        user.roles = [UserRole(role=r) for r in wanted]
        _audit(session, admin, "user_roles_set", username, before=before, after=wanted)
    return wanted


def reset_password(rt: Runtime, admin: Actor, username: str, password: str | None = None) -> str:
    """Give ``username`` a new password (generated when none is given) and return it, to be handed over once."""
    require_any(admin, REPAIR_ROLES, "reset passwords")
    password = password or generated_password()
    password_hash = hash_password(password)
    with rt.db.transaction() as session:
        user = _user(session, username)
        user.password_hash, user.failed_logins, user.locked_until = password_hash, 0, None
        _audit(session, admin, "password_reset", username)
    return password


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None:
        raise UserNotFound(f"no user {username}")
    return user


def _audit(session: Session, admin: Actor, action: str, username: str, **details) -> None:
    session.add(AuditEvent(actor=admin.username, action=action, at=clock.now(), details={"user": username, **details}))


def change_own_password(rt: Runtime, actor: Actor, current: str, new: str, repeated: str) -> None:
    """The signed-in user's new password, after the current one (a stolen session alone cannot change it).
    Refusals name the field (``current``: wrong, ``repeated``: mismatch, ``password``: short/long/same)."""
    if new != repeated:
        raise InvalidInput("the new password and its repetition differ", field_errors={"repeated": "mismatch"})
    if new == current:
        raise InvalidInput("the new password is the current one", field_errors={"password": "same"})
    password_hash = hash_password(new)
    with rt.db.transaction() as session:
        user = _user(session, actor.username)
        if not verify_password(user.password_hash, current):
            raise InvalidInput("the current password is wrong", field_errors={"current": "wrong"})
        user.password_hash = password_hash
        _audit(session, actor, "password_changed", actor.username)


def set_locale(rt: Runtime, actor: Actor, locale: str, known: frozenset[str]) -> None:
    """The signed-in user's own interface language, one of ``known`` (the web app's languages)."""
    if locale not in known:
        raise InvalidInput(f"unknown language {locale[:20]!r}", field_errors={"locale": "unknown"})
    with rt.db.transaction() as session:
        _user(session, actor.username).locale = locale


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    roles: tuple[str, ...]
    department: str | None
    email: str | None
    active: bool


def list_accounts(rt: Runtime, admin: Actor) -> list[Account]:
    """Every account for the console's user list, by user name."""
    require_any(admin, REPAIR_ROLES, "list accounts")
    with rt.db.reader() as session:
        return [Account(u.username, u.display_name, tuple(sorted(u.role_codes)), u.department, u.email, u.active)
                for u in session.scalars(select(User).order_by(User.username))]
