"""``complaintflow users`` and ``complaintflow tokens``: staff accounts and API tokens, as an administrator
keeps them (each command is one runtime service call, acting as the system's administrator)."""
from __future__ import annotations

import click

from runtime.bootstrap import Runtime
from runtime.roles import ROLES


@click.group()
def tokens() -> None:
    """API tokens (shown once, stored hashed)."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'hotline integration'.")
@click.pass_obj
def tokens_create(rt: Runtime, username: str, name: str) -> None:
    """Create an API token acting as USERNAME; it is printed once."""
    from runtime.actors import SYSTEM
    from runtime.services.api_tokens import create_token
    click.echo(create_token(rt, SYSTEM, username, name))


@tokens.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@click.pass_obj
def tokens_list(rt: Runtime, include_revoked: bool) -> None:
    """List API tokens by their prefix (the tokens themselves are not stored)."""
    from runtime.actors import SYSTEM
    from runtime.services.api_tokens import list_tokens
    for t in list_tokens(rt, SYSTEM, include_revoked):
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never used"
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        click.echo(f"{t.prefix:<13} {t.username:<14} {state:<18} {used:<17} {t.name}")


@tokens.command("revoke")
@click.argument("prefix")
@click.pass_obj
def tokens_revoke(rt: Runtime, prefix: str) -> None:
    """Revoke the token whose first 12 characters are PREFIX."""
    from runtime.actors import SYSTEM
    from runtime.services.api_tokens import revoke_token
    revoke_token(rt, SYSTEM, prefix)
    click.echo(f"revoked {prefix}")


@click.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="Role code; repeat for several.")
@click.option("--password", help="Default: a generated one, printed once.")
@click.option("--name", default="", help="Display name.")
@click.option("--department", help="Department, for department staff.")
@click.option("--email")
@click.pass_obj
def users_create(rt: Runtime, username, roles, password, name, department, email) -> None:
    """Create a user."""
    from runtime.services.users import create_user
    password_used = create_user(rt, username, password, list(roles), name, department, email)
    click.echo(f"created {username}" + ("" if password else f" with password {password_used}"))


@users.command("list")
@click.pass_obj
def users_list(rt: Runtime) -> None:
    """List users and their roles."""
    from runtime.services.users import list_users
    for user in list_users(rt):
        roles = ",".join(sorted(user.role_codes))
        state = "" if user.active else "  (disabled)"
        click.echo(f"{user.username:<14} {roles:<28} {user.department or '-':<14} {user.email or '-':<28} "
                   f"{user.display_name}{state}")


@users.command("disable")
@click.argument("username")
@click.pass_obj
def users_disable(rt: Runtime, username: str) -> None:
    """Disable a user: no more sign-ins or API calls; their history stays."""
    _switch(rt, username, active=False)


@users.command("enable")
@click.argument("username")
@click.pass_obj
def users_enable(rt: Runtime, username: str) -> None:
    """Enable a disabled user again."""
    _switch(rt, username, active=True)


def _switch(rt: Runtime, username: str, active: bool) -> None:
    from runtime.actors import SYSTEM
    from runtime.services.accounts import set_active
    word = "enabled" if active else "disabled"
    click.echo(f"{word} {username}" if set_active(rt, SYSTEM, username, active) else f"{username} was already {word}")


@users.command("reset-password")
@click.argument("username")
@click.option("--password", help="Default: a generated one, printed once.")
@click.pass_obj
def users_reset_password(rt: Runtime, username: str, password: str | None) -> None:
    """Give a user a new password (and clear a lock-out)."""
    from runtime.actors import SYSTEM
    from runtime.services.accounts import reset_password
    used = reset_password(rt, SYSTEM, username, password)
    click.echo(f"new password for {username}" + ("" if password else f": {used}"))


@users.group("roles", invoke_without_command=True)
@click.pass_context
def users_roles(ctx: click.Context) -> None:
    """List the roles and the lane names that stand for them; ``roles set`` gives a user theirs."""
    if ctx.invoked_subcommand is None:
        for role in ROLES:
            click.echo(f"{role.code:<16} {role.zh:<8} {role.en}")


@users_roles.command("set")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="Role code; repeat for several.")
@click.pass_obj
def users_roles_set(rt: Runtime, username: str, roles: tuple[str, ...]) -> None:
    """Replace a user's roles with the given ones."""
    from runtime.actors import SYSTEM
    from runtime.services.accounts import set_roles
    click.echo(f"{username} now has the roles {','.join(set_roles(rt, SYSTEM, username, list(roles)))}")
