"""API tokens: created by administrators for a user, shown once, stored as SHA-256.

A token is 32 random bytes, so a fast hash is enough (nothing to brute-force) and lets every API
request find its token by an indexed lookup; a password hash would cost ~50 ms per request.
Requests act as the token's user with that user's current roles: the same checks as the web app.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from runtime import clock
from runtime.actors import REPAIR_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput, NotFound, PermissionDenied, UserNotFound
from runtime.store.db import changed
from runtime.store.models import ApiToken, User
from runtime.services.token_cache import QUIET, Entry, TokenCache, cache_for
from runtime.services.users import actor_of

PREFIX = "cft_"
USE_RECORDED_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(rt: Runtime, admin: Actor, username: str, name: str) -> str:
    """A new token for ``username``; returns the token itself, which is not stored anywhere."""
    require_any(admin, REPAIR_ROLES, "create API tokens")
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput("a token needs a name of 1 to 120 characters (what it is for)",
                           field_errors={"name": "required"})
    token = PREFIX + secrets.token_urlsafe(32)
    with rt.db.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == username, User.active.is_(True)))
        if user_id is None:
            raise UserNotFound(f"no active user {username}", username=username)
        session.add(ApiToken(user_id=user_id, name=name, token_hash=_digest(token), prefix=token[:12],
                             created_at=clock.now(), created_by=admin.username))
    return token


def authenticate_token(rt: Runtime, token: str) -> Actor:
    """The actor a bearer token stands for; PermissionDenied for unknown, revoked or inactive ones.
    A verified token is remembered for a few seconds (runtime/services/token_cache.py says how a revocation
    or a change of its user still takes effect)."""
    if not token.startswith(PREFIX):
        raise PermissionDenied("not a complaintflow API token")
    digest, cache = _digest(token), cache_for(rt.db)
    entry = cache.get(digest)
    if entry is None:
        entry = _look_up(rt, digest, cache)
    now = clock.now()
    if entry.last_used_at is None or now - entry.last_used_at > USE_RECORDED_EVERY:
        with rt.db.transaction() as session:  # a write per minute, not per request
            session.info[QUIET] = True  # who the token is stays the same: the cache stays
            session.execute(update(ApiToken).where(ApiToken.id == entry.token_id).values(last_used_at=now))
        entry.last_used_at = now
    return entry.actor


def _look_up(rt: Runtime, digest: str, cache: TokenCache) -> Entry:
    generation, read_at = cache.generation, time.monotonic()
    with rt.db.reader() as session:
        row = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                              .where(ApiToken.token_hash == digest)).first()
        if row is None or row.ApiToken.revoked_at is not None or not row.User.active:
            raise PermissionDenied("unknown or revoked API token")
        entry = Entry(actor_of(row.User), row.ApiToken.id, row.ApiToken.last_used_at, read_at)
    cache.put(digest, entry, generation)
    return entry


def revoke_token(rt: Runtime, admin: Actor, prefix: str) -> None:
    require_any(admin, REPAIR_ROLES, "revoke API tokens")
    with rt.db.transaction() as session:
        revoked = changed(session, update(ApiToken).where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))
                          .values(revoked_at=clock.now()))
    if not revoked:
        raise NotFound(f"no active API token {prefix}")


@dataclass(frozen=True)
class ListedToken:
    prefix: str
    username: str
    name: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


def list_tokens(rt: Runtime, admin: Actor, include_revoked: bool = False) -> list[ListedToken]:
    """Every token (never the token itself: only its prefix), newest first; revoked ones on request."""
    require_any(admin, REPAIR_ROLES, "list API tokens")
    query = (select(ApiToken.prefix, User.username, ApiToken.name, ApiToken.created_at, ApiToken.created_by,
                    ApiToken.last_used_at, ApiToken.revoked_at)
             .join(User, User.id == ApiToken.user_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    with rt.db.reader() as session:
        return [ListedToken(*row) for row in session.execute(query)]
