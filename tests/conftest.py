import json
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SAMPLES = ROOT / "samples" / "seeds"


def run_cli(*args) -> int:
    """Run ``repair ARGS...`` through Typer's ``CliRunner``; its output goes on to this
    process's stdout and stderr (``capsys`` reads it); returns the exit code."""
    import sys

    from typer.testing import CliRunner

    from repair.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args], prog_name="repair")
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code


def run_main(*args) -> int:
    """Run ``repair ARGS...`` through the installed entry point (``repair.cli.main``: usage
    errors as click prints them, signals); returns the exit code."""
    import sys

    from repair.cli import main

    argv = sys.argv
    sys.argv = ["repair", *map(str, args)]
    try:
        main()
        return 0
    except SystemExit as exc:
        return exc.code or 0
    finally:
        sys.argv = argv


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def settings():
    from repair.config import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def aliases(settings):
    from repair.config import load_aliases

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


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """The first 400 dev-corpus sentences as a corpus file of their own."""
    import gzip
    import itertools

    dev = SHARED / "corpus" / "dev.jsonl.gz"
    if not dev.exists():
        pytest.skip("shared corpus not available")
    path = tmp_path_factory.mktemp("corpus") / "tiny.jsonl.gz"
    with gzip.open(dev, "rt", encoding="utf-8") as src, gzip.open(path, "wt",
                                                                   encoding="utf-8") as dst:
        for line in itertools.islice(src, 400):
            dst.write(line)
    return path


def tiny_train_settings(corpus, tmp, name, **over):
    """Settings for a copy-T5 rewriter small enough to train in seconds."""
    from repair.train.rewriter import RewriterTrainSettings

    values = dict(
        corpus=str(corpus), dev_corpus=str(corpus), out_dir=str(tmp / name / "model"),
        run_dir=str(tmp / name / "run"), vocab_size=700, tokenizer_sentences=400, d_model=32,
        d_ff=64, num_layers=1, num_decoder_layers=1, num_heads=2, batch_size=8, lr=1e-3,
        warmup_steps=1, max_steps=4, save_every=2, log_every=2, eval_every=2, eval_n=16,
        negative_sentences=0, max_minutes=None, device="cpu", threads=1)
    return RewriterTrainSettings(**{**values, **over})


@pytest.fixture(scope="session")
def tiny_rewriter(tiny_corpus, tmp_path_factory):
    """A tiny copy-T5 span rewriter trained a few steps by `train_rewriter`, saved like the
    shipped model (tokenizer, train_config.yaml, curve.json)."""
    import torch

    from repair.train.rewriter import train_rewriter

    torch.set_num_threads(1)
    st = tiny_train_settings(tiny_corpus, tmp_path_factory.mktemp("tiny"), "rw", max_steps=6)
    assert train_rewriter(st).finished
    return Path(st.out_dir)


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


@pytest.fixture(scope="session")
def samples_db(tmp_path_factory, settings) -> Path:
    """The queue that ``repair run samples/seeds --queue`` makes (built once), rules detector."""
    from dataclasses import replace

    from repair.jobs import run_job

    from .review_support import rules_settings

    d = tmp_path_factory.mktemp("samples_queue")
    db = d / "samples.db"
    s = rules_settings(settings)
    run_job([SAMPLES], d / "samples.jsonl", replace(s, queue=replace(s.queue, path=str(db))))
    return db


@pytest.fixture
def queue_path(new_queue, samples_db) -> str:
    """A fresh copy of the sample queue for one test, on each back end in turn (an SQLite
    file, or a PostgreSQL URL the copy went to with `repair queue copy`)."""
    import shutil

    from repair.review.copy import copy_queue

    if new_queue.startswith("postgresql://"):
        copy_queue(samples_db, new_queue)
    else:
        shutil.copy(samples_db, new_queue)
    return new_queue
