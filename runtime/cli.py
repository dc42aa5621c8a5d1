"""The ``complaintflow`` command: database, deployment, serving, the timer worker, users, demo data."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

import click

from runtime.bootstrap import Runtime, bootstrap
from runtime.errors import ComplaintflowError
from runtime.roles import ROLES


class _Group(click.Group):
    """Show runtime errors as one clear line and exit 1, never as a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ComplaintflowError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as e:
            if os.environ.get("COMPLAINTFLOW_DEBUG"):
                raise
            click.echo(f"internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} "
                       "(set COMPLAINTFLOW_DEBUG=1 to see the traceback)", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.pass_context
def main(ctx: click.Context) -> None:
    """complaintflow: complaint-handling workflows."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("spiff", "alembic.runtime.plugins"):  # one line per engine task state change otherwise
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = bootstrap()
    ctx.call_on_close(ctx.obj.close)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(rt: Runtime) -> None:
    """Apply every migration."""
    from runtime.store.migrate import upgrade
    upgrade(rt.db.engine)
    click.echo("database is up to date")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--actor", default="cli", help="Who is recorded as deploying.")
@click.pass_obj
def deploy(rt: Runtime, paths: tuple[Path, ...], actor: str) -> None:
    """Deploy a folder of process files, or the given files (default: the processes folder)."""
    from runtime.services.deployment import deploy as do_deploy
    from runtime.store.packages import read_directory
    paths = paths or (rt.settings.processes_dir,)
    files: dict[str, bytes] = {}
    for path in paths:
        files.update(read_directory(path) if path.is_dir() else {path.name: path.read_bytes()})
    result = do_deploy(rt, files, actor, ", ".join(map(str, paths)))
    state = "deployed" if result.created else "unchanged, nothing deployed"
    versions = ", ".join(f"{pid} v{v}" for pid, v in sorted(result.definitions.items()))
    click.echo(f"package {result.content_hash[:12]} {state}: {versions}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_obj
def serve(rt: Runtime, host: str, port: int) -> None:
    """Serve the web app (with the timer worker in-process when configured, as on SQLite)."""
    import waitress

    from web import create_app
    stop = threading.Event()  # waitress handles Ctrl+C itself; the worker stops when it returns
    thread = None
    if rt.settings.embedded_worker:
        from runtime.worker import run_forever
        thread = threading.Thread(target=run_forever, args=(rt, stop), name="timer-worker", daemon=True)
        thread.start()
    click.echo(f"complaintflow on http://{host}:{port}/")
    try:
        waitress.serve(create_app(runtime=rt), host=host, port=port, threads=8)
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=30)  # let the sweep in progress commit


@main.command()
@click.option("--once", is_flag=True, help="Do what is due now (timers, retries, e-mail), then exit.")
@click.option("--health-port", type=int, help="Answer GET /healthz on this port.")
@click.option("--health-host", default="127.0.0.1", show_default=True)
@click.option("--poll", type=float, help="Longest sleep between sweeps in seconds [COMPLAINTFLOW_WORKER_POLL_SECONDS].")
@click.pass_obj
def worker(rt: Runtime, once: bool, health_port: int | None, health_host: str, poll: float | None) -> None:
    """Run the background worker: due timers, automatic retries, e-mail. Stops cleanly on SIGTERM/SIGINT."""
    from runtime.worker import Worker
    from runtime.worker.health import serve_health
    w = Worker(rt)
    if once:
        fired = w.run_once()
        click.echo(f"fired timers of {fired} instance(s), retried {w.retried} step(s), sent {w.mailed} e-mail(s)")
        return
    poll = poll or rt.settings.worker_poll_seconds
    health = serve_health(health_host, health_port, lambda: w.health(poll)) if health_port else None
    stop = _stop_event()
    try:
        w.run_forever(stop, poll)
    finally:
        if health is not None:
            health.shutdown()


@main.command("demo-data")
@click.pass_obj
def demo_data(rt: Runtime) -> None:
    """Create demo users for every role and sample complaints (safe to run again)."""
    from runtime.services.demo import seed
    seed(rt, click.echo)


@main.group()
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


@main.group()
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
    from runtime.actors import SYSTEM
    from runtime.services.accounts import set_active
    changed = set_active(rt, SYSTEM, username, False)
    click.echo(f"disabled {username}" if changed else f"{username} was already disabled")


@users.command("enable")
@click.argument("username")
@click.pass_obj
def users_enable(rt: Runtime, username: str) -> None:
    """Enable a disabled user again."""
    from runtime.actors import SYSTEM
    from runtime.services.accounts import set_active
    changed = set_active(rt, SYSTEM, username, True)
    click.echo(f"enabled {username}" if changed else f"{username} was already enabled")


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


@main.group()
def calendar() -> None:
    """The business calendar: which years are exact, and deadlines computed on provisional ones."""


@calendar.command("status")
@click.pass_obj
def calendar_status(rt: Runtime) -> None:
    """Show the years around today, exact or provisional, and what to do before the schedule runs out."""
    from runtime.actors import Actor
    from runtime.read.calendar_status import status
    found = status(rt, Actor("cli", frozenset({"admin"})))
    for year, source, exact in found.years:
        click.echo(f"{year}  {'exact      ' if exact else 'provisional'}  {source}")
    click.echo(f"official schedule known until {found.exact_until.isoformat()}; "
               f"{found.provisional_timers} waiting timer(s) computed on a provisional year")
    if found.warn:
        click.echo(f"warning: enter {found.next_year}'s holidays and make-up working days under "
                   f"[national.{found.next_year}] in {rt.settings.calendar_path}")
    if found.load_error:
        raise click.ClickException(f"the calendar file was refused: {found.load_error}")


@calendar.command("recompute")
@click.option("--reason", required=True, help="Why, for the audit log (e.g. 'official 2027 schedule entered').")
@click.option("--actor", default="admin", help="The administrator or process owner recorded as doing it.")
@click.pass_obj
def calendar_recompute(rt: Runtime, reason: str, actor: str) -> None:
    """Compute every deadline that was due on a provisional year anew, each from when it started."""
    from runtime.actors import Actor
    from runtime.services.calendar import recompute_provisional
    result = recompute_provisional(rt, Actor(actor, frozenset({"admin"})), reason)
    click.echo(f"recomputed {len(result.done)} complaint(s): {' '.join(result.done) or '-'}")
    for number, why in result.failed:
        click.echo(f"not recomputed: {number}: {why}", err=True)


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop



if __name__ == "__main__":
    main()
