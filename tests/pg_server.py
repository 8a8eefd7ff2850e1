"""A throwaway PostgreSQL server for the queue tests, from Debian's ``postgresql`` package.

``python tests/pg_server.py start DIR`` starts one under DIR (a Unix socket there, no TCP)
and prints its URL; ``stop DIR`` stops it and removes DIR. `.ci/run` starts one this way;
the tests start their own when ``REPAIR_TEST_PG`` is not set. As root the server runs as
the ``postgres`` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Durability off: these servers hold test data only, and are rebuilt every run.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def bindir() -> Path | None:
    """The folder of the newest installed server binaries, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).parent if which else None


def _run(args: list[str], **kw) -> None:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, **kw)


def start(folder: str | Path, durable: bool = False) -> str:
    """Start a server with its data and socket in ``folder``; its admin URL."""
    binaries = bindir()
    if binaries is None:
        raise FileNotFoundError("no PostgreSQL server binaries (apt-get install postgresql)")
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    _run([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
          "-E", "UTF8", "--no-locale", "--no-sync"])  # fmt: skip
    options = f"-k {folder} -c listen_addresses='' -c max_connections=200"
    if not durable:
        options += " " + FAST
    _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
          "-o", options, "start"])  # fmt: skip
    return f"postgresql://postgres@/postgres?host={folder}"


def stop(folder: str | Path) -> None:
    """Stop the server started in ``folder`` and remove the folder."""
    binaries = bindir()
    assert binaries is not None
    _run([str(binaries / "pg_ctl"), "-D", str(Path(folder) / "data"), "-m", "fast", "-w",
          "stop"])  # fmt: skip
    shutil.rmtree(folder)


if __name__ == "__main__":
    command, where = sys.argv[1], sys.argv[2]
    if command == "start":
        print(start(where, durable="--durable" in sys.argv))
    elif command == "stop":
        stop(where)
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop DIR [--durable]")
