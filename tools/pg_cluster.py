"""A local PostgreSQL cluster from Debian's server binaries: initdb + pg_ctl, loopback only.

Throwaway for the test suite and benchmarks (a temporary folder, removed on stop), or kept under
``var/pg`` for ``make run-pg`` (created once, data survives restarts).

PostgreSQL refuses to run as root, so when the suite runs as root (CI, containers) the cluster
is created and started as the ``postgres`` OS user that Debian's package creates.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found; `make test` installs Debian's postgresql package")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, root: Path | None = None, port: int | None = None, durable: bool | None = None) -> None:
        """A cluster under ``root`` (kept) or a temporary folder (removed on stop). The suite's throwaway
        clusters skip fsync and synchronous commit; a kept one, or ``durable=True`` (the benchmarks: what a
        production database does), runs with PostgreSQL's default durability."""
        self.bin = _bin_dir()
        self.keep = root is not None
        self.durable = self.keep if durable is None else durable
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="complaintflow-pg-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.data = self.root / "data"
        self.port = port or _free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = pwd.getpwnam("postgres")
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.root)

    def start(self) -> Cluster:
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--locale=C", "--no-sync")
        durability = "" if self.durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {durability}"
                   "-c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create ``name`` unless it exists; returns its URL."""
        import psycopg
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast" if self.keep else "immediate", "stop")
        finally:
            if not self.keep:
                shutil.rmtree(self.root, ignore_errors=True)
