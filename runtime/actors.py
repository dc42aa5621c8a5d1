"""Who is acting, and the role checks every service runs on the server side."""
from __future__ import annotations

from dataclasses import dataclass, field

from runtime.errors import PermissionDenied

MANAGER_ROLES = frozenset({"cs_manager", "duty_manager", "site_manager", "general_manager"})
REPAIR_ROLES = frozenset({"admin"})
# Who may read, change and deploy the diagrams, and move running instances onto a new version.
OWNER_ROLES = frozenset({"process_owner", "admin"})


@dataclass(frozen=True)
class Actor:
    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    department: str | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


SYSTEM = Actor("system", frozenset({"admin"}))


def may_work_on(actor: Actor, role: str | None, department: str | None) -> bool:
    """True when the task's candidate group (role, and department when set) includes ``actor``."""
    if role is None or role not in actor.roles:
        return False
    return department is None or role != "department" or actor.department == department


def require_work_on(actor: Actor, role: str | None, department: str | None, title: str) -> None:
    if not may_work_on(actor, role, department):
        group = role + (f"/{department}" if department else "") if role else "no role"
        raise PermissionDenied(f"'{title}' is for {group}; {actor.username} may not take it")


def require_any(actor: Actor, roles: frozenset[str], what: str) -> None:
    if not (actor.roles & roles):
        raise PermissionDenied(f"{actor.username} may not {what} (needs one of: {', '.join(sorted(roles))})")
