"""The databases a benchmark runs on: an SQLite file in a temporary folder, and a throwaway
PostgreSQL cluster started for the run (Debian's server binaries, as in the test suite)."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator


@contextmanager
def each_backend(backends: list[str], name: str) -> Iterator[Iterator[tuple[str, str, Path]]]:
    """Yields an iterator of (backend, database URL, work folder); everything is removed afterwards."""
    cluster = None
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)

        def urls():
            nonlocal cluster
            for backend in backends:
                if backend == "postgresql":
                    from tools.pg_cluster import Cluster
                    if cluster is None:
                        cluster = Cluster(durable=True).start()
                        print("  PostgreSQL: a cluster with its default durability (fsync, synchronous_commit and "
                              "full_page_writes on), as production runs; the test suite's clusters skip them")
                    yield backend, cluster.create_database(name), workdir
                else:
                    yield backend, f"sqlite:///{workdir / (name + '.db')}", workdir

        try:
            yield urls()
        finally:
            if cluster is not None:
                cluster.stop()
