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
from runtime.cli_accounts import tokens, users
from runtime.errors import ComplaintflowError


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
@click.option("--force", is_flag=True, help="Deploy even over a version made in the web console.")
@click.option("--keep-console", is_flag=True,
              help="If the version deployed now was made in the web console, keep it and say so (exit 0).")
@click.pass_obj
def deploy(rt: Runtime, paths: tuple[Path, ...], actor: str, force: bool, keep_console: bool) -> None:
    """Deploy a folder of process files, or the given files (default: the processes folder).

    Refused (exit 3, with the files that differ) when the version deployed now was made in the web console
    (the modeler, an upload or a rollback): deploying would undo it. Run `complaintflow export` first to
    bring those edits into the folder, or deploy with --force."""
    from runtime.errors import DeployDrift
    from runtime.services.deployment import deploy as do_deploy
    from runtime.store.packages import read_directory
    paths = paths or (rt.settings.processes_dir,)
    files: dict[str, bytes] = {}
    for path in paths:
        files.update(read_directory(path) if path.is_dir() else {path.name: path.read_bytes()})
    try:
        result = do_deploy(rt, files, actor, ", ".join(map(str, paths)), "files", force=force)
    except DeployDrift as drift:
        d = drift.details
        click.echo(f"the version deployed now (package {d['package_id']}, made outside this folder — a modeler "
                   f"save, an upload or a rollback — by {d['released_by']}: {_versions(d['versions'])}) differs "
                   f"from these files in: {', '.join(d['files'])}", err=True)
        if keep_console:
            click.echo("kept it; nothing deployed (complaintflow export writes it into the folder)")
            return
        click.echo("deploying would undo that edit: run `complaintflow export` to bring it into the folder, "
                   "or deploy again with --force", err=True)
        raise SystemExit(3) from None
    state = ("deployed" if result.created else "made current again" if result.released
             else "unchanged, nothing deployed")
    click.echo(f"package {result.content_hash[:12]} {state}: {_versions(result.definitions)}")
    if result.changed:
        click.echo(f"changed: {', '.join(result.changed)} (every process gets a new version together: the processes "
                   "of one deployment call each other, so a version is the whole set)")


def _versions(versions: dict[str, int]) -> str:
    return ", ".join(f"{pid} v{v}" for pid, v in sorted(versions.items()))


@main.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.pass_obj
def export_files(rt: Runtime, folder: Path | None) -> None:
    """Write the deployed version's files into FOLDER (default: the processes folder), laid out as it is
    (forms in forms/), so the folder holds what runs; only files that differ are written."""
    from runtime.services.releases import export
    folder = folder or rt.settings.processes_dir
    package_id, written = export(rt, folder)
    click.echo(f"package {package_id}: " + (f"wrote {', '.join(written)}" if written else "the folder already has it"))


@main.command()
@click.argument("process_id")
@click.argument("version", type=int)
@click.option("--reason", required=True, help="Why this version is brought back (kept in the audit log).")
@click.option("--actor", default="cli", help="Who is recorded as choosing it.")
@click.pass_obj
def rollback(rt: Runtime, process_id: str, version: int, reason: str, actor: str) -> None:
    """Make VERSION of PROCESS_ID the one new complaints start on again (running ones stay where they are)."""
    from runtime.actors import Actor
    from runtime.services.releases import rollback as do_rollback
    package_id = do_rollback(rt, Actor(actor, frozenset({"admin"})), process_id, version, reason)
    click.echo(f"new instances of {process_id} now start on version {version} (package {package_id})")


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


main.add_command(users)
main.add_command(tokens)


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop



if __name__ == "__main__":
    main()
