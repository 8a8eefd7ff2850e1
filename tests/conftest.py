import json
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SAMPLES = ROOT / "samples" / "seeds"


@pytest.fixture(scope="session")
def settings():
    from repair.config import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def aliases(settings):
    from repair.jobs import load_aliases

    return load_aliases(settings)


@pytest.fixture
def write(tmp_path):
    """Write a file under tmp_path: text (str), bytes, or JSON lines (list of dicts)."""

    def _write(name, content):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, list):
            path.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in content), encoding="utf-8"
            )
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_admin(tmp_path_factory):
    """An admin URL of a PostgreSQL server: ``REPAIR_TEST_PG`` (as `.ci/run` sets it), else a
    server of our own from the installed binaries; skipped only when there are none."""
    import os
    import tempfile

    from . import pg_server

    url = os.environ.get("REPAIR_TEST_PG")
    if url:
        yield url
        return
    if pg_server.bindir() is None:
        pytest.skip("PostgreSQL server binaries absent (apt-get install postgresql)")
    # A short folder: the socket path must fit in 107 bytes.
    folder = tempfile.mkdtemp(prefix="vi-repair-pg-")
    url = pg_server.start(folder)
    yield url
    pg_server.stop(folder)


@pytest.fixture
def new_queue(queue_backend, request, tmp_path):
    """Where a new, empty queue goes, on each back end in turn: an SQLite file, or a fresh
    PostgreSQL database's URL."""
    if queue_backend == "sqlite":
        yield str(tmp_path / "q.db")
        return
    with pg_database(request.getfixturevalue("pg_admin")) as url:
        yield url


@contextmanager
def pg_database(admin: str):
    """A new, empty PostgreSQL database on the server of ``admin``; its URL. Dropped after."""
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"q_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def queue_backend(request):
    """Parametrises a test over both queue back ends."""
    return request.param
