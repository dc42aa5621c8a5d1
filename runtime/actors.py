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
    locale: str | None = field(default=None, compare=False)  # the user's own language setting (web/i18n.py)
    # A digest of the password hash: a web session remembers the one it signed in with, so changing or
    # resetting the password ends every other session (the cookie holds no list the server could clear).
    credential: str = field(default="", compare=False, repr=False)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


SYSTEM = Actor("system", frozenset({"admin"}))


def may_work_on(actor: Actor, role: str | None, department: str | None) -> bool:
    """True when the task's candidate group (role, and department when set) includes ``actor``."""
    if role is None or role not in actor.roles:
        return False
    return department is None or role != "department" or actor.department == department


def may_work_on_task(actor: Actor, task) -> bool:
    """The task's candidate group includes ``actor``, or the task is assigned to them: the steps a
    diagram gives the complaint's owner (``assigneeVariable``) are theirs whatever role they hold,
    since the first receiver owns the complaint, be it a manager or an administrator (首问负责制).
    Every other assignment (claim, reassignment, delegation) is checked against the group itself."""
    return task.assignee == actor.username or may_work_on(actor, task.role, task.department)


def require_work_on(actor: Actor, task) -> None:
    """PermissionDenied naming the task's group when ``actor`` may not work on it at all; a task
    assigned to someone else is a matter for the caller (who holds it is no permission question)."""
    if not may_work_on_task(actor, task):
        group = task.role + (f"/{task.department}" if task.department else "") if task.role else "no role"
        held = f", and it is assigned to {task.assignee}" if task.assignee else ""
        raise PermissionDenied(f"'{task.title}' is for {group}{held}; {actor.username} may not take it",
                               reason="not_for_you", title=task.title, group=group)


def require_any(actor: Actor, roles: frozenset[str], what: str) -> None:
    if not (actor.roles & roles):
        raise PermissionDenied(f"{actor.username} may not {what} (needs one of: {', '.join(sorted(roles))})",
                               reason="role", action=what, roles=", ".join(sorted(roles)))
