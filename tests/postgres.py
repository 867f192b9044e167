"""A throw-away PostgreSQL server on loopback for the tests that must hold on PostgreSQL too
(the staff console's store, tests/test_analytics.py): Debian's postgresql package
(scripts/ci-deps.sh installs it), a new cluster in a temporary folder, trust authentication on
127.0.0.1 only, removed afterwards.

    with temporary_postgres() as url:   # postgresql://postgres@127.0.0.1:<port>/postgres
        ...
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator


def server_binaries() -> str | None:
    """The folder of initdb / pg_ctl of the newest installed PostgreSQL, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def temporary_postgres(fsync: bool = False) -> Iterator[str]:
    """`fsync`: durable writes, as in production (the scale-out test); tests go faster without."""
    bin_dir = server_binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found (Debian package postgresql; scripts/ci-deps.sh)")
    data = tempfile.mkdtemp(prefix="console-pg-")
    # PostgreSQL refuses to run as root: the cluster then belongs to the 'postgres' system user.
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    pg_ctl = [*as_user, os.path.join(bin_dir, "pg_ctl"), "-D", data]
    try:
        subprocess.run([*as_user, os.path.join(bin_dir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres",
                        "--no-sync"], check=True, capture_output=True)
        subprocess.run([*pg_ctl, "-w", "-l", os.path.join(data, "server.log"), "-o",
                        f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync={'on' if fsync else 'off'} "
                        "-c max_connections=200", "start"],
                       check=True, capture_output=True, timeout=60)
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        _wait(url)
        yield url
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)


def _wait(url: str, timeout: float = 30) -> None:
    import sqlalchemy as sa

    deadline = time.time() + timeout
    engine = sa.create_engine(url)
    try:
        while True:
            try:
                with engine.connect():
                    return
            except sa.exc.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
    finally:
        engine.dispose()
