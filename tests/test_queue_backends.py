"""Queue back ends: migrations, URLs, and `repair queue copy` between SQLite and PostgreSQL."""

import sqlite3

import pytest

from repair.errors import QueueError
from repair.review import Queue
from repair.review.backends import redact
from repair.review.copy import copy_queue
from repair.review.schema import LATEST

from .conftest import pg_database
from .test_review_cli import cli


def _history(q):
    return [it.to_dict() for it in q.items()], [d.to_dict() for d in q.decisions()]


def _decide_some(q):
    a = q.claim("an")
    q.decide(a.id, "accept", "an", comment="ok")
    b = q.claim("an")
    q.decide(b.id, "edit", "an", final_text=b.proposal.replace("17", "18"), force=True)
    q.undo("an")  # b pending again, claimed by an
    q.decide(b.id, "reject", "an")
    c = q.claim("binh")
    q.decide(c.id, "skip", "binh")
    q.claim("binh")  # a live claim travels too


@pytest.mark.parametrize("queue_backend", ["postgresql"])
def test_copy_sqlite_to_postgresql_and_back_loses_nothing(
    queue_path, tmp_path, aliases, queue_backend, pg_admin, capsys  # noqa: F811
):
    # queue_path was itself made by copying the sample SQLite queue into PostgreSQL
    with Queue(queue_path, aliases=aliases) as pg:
        _decide_some(pg)
        before = _history(pg)
    back = tmp_path / "back.db"
    report = copy_queue(queue_path, str(back))
    assert (report.items, report.decisions) == (20, 5)
    with Queue(back, aliases=aliases) as q:
        assert _history(q) == before
        # new ids continue after the copied ones, and the history goes on
        it = q.claim("an")
        d = q.decide(it.id, "accept", "an")
        assert d.id == max(x["id"] for x in before[1]) + 1
    # and once more into a second PostgreSQL database, through the command line
    with Queue(back, aliases=aliases) as q:
        after = _history(q)
    with pg_database(pg_admin) as again:
        code, out, err = cli(capsys, "queue", "copy", str(back), again)
        assert code == 0, err
        assert "copied 20 items and 6 decisions" in out
        with Queue(again, aliases=aliases) as pg2:
            assert _history(pg2) == after
            it = pg2.claim("binh")
            assert pg2.decide(it.id, "reject", "binh").id == 7  # the sequence follows


def test_copy_refuses_a_destination_that_holds_a_queue(queue_path, tmp_path):  # noqa: F811
    other = tmp_path / "other.db"
    copy_queue(queue_path, str(other))
    with pytest.raises(QueueError, match="already holds a queue \\(20 items"):
        copy_queue(queue_path, str(other))
    with pytest.raises(QueueError, match="already holds a queue"):
        copy_queue(str(other), queue_path)
    with pytest.raises(QueueError, match="no review queue here"):
        copy_queue(str(tmp_path / "none.db"), str(tmp_path / "new.db"))
    assert not (tmp_path / "new.db").exists()
    with pytest.raises(QueueError, match="same queue"):
        copy_queue(str(other), str(other))


def test_migrations_are_recorded_and_a_newer_schema_is_refused(queue_path):  # noqa: F811
    with Queue(queue_path) as q:
        rows = q.backend.execute("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == list(range(1, LATEST + 1))
        q.backend.execute(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?,?,?)",
            (LATEST + 1, "from the future", 0.0),
        )
    with pytest.raises(QueueError, match=f"schema version {LATEST + 1}, newer than"):
        Queue(queue_path)


def test_unversioned_sqlite_queue_gets_migrations_recorded(samples_db, tmp_path):  # noqa: F811
    import shutil

    path = tmp_path / "old.db"
    shutil.copy(samples_db, path)
    db = sqlite3.connect(path)
    db.execute("DROP TABLE schema_migrations")
    db.execute("DROP TRIGGER decisions_no_update")
    db.commit()
    db.close()
    with Queue(path) as q:
        assert len(q.items()) == 20
        rows = q.backend.execute("SELECT version FROM schema_migrations")
        assert sorted(r["version"] for r in rows) == list(range(1, LATEST + 1))
        q.decide(q.claim("an").id, "reject", "an")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            q.backend.execute("UPDATE decisions SET action='x'")


@pytest.mark.parametrize("queue_backend", ["postgresql"])
def test_bad_postgresql_urls_are_clear_errors(new_queue, queue_backend, capsys):
    host = new_queue.split("?", 1)[1]
    with pytest.raises(QueueError, match="no review queue here; create one"):
        Queue(new_queue, must_exist=True)
    with pytest.raises(QueueError, match="cannot connect .*is the server running"):
        Queue(f"postgresql://nobody:secret@/nodb?{host}")
    try:
        Queue(f"postgresql://nobody:secret@/nodb?{host}")
    except QueueError as exc:
        assert "secret" not in str(exc) and "nobody:***@" in str(exc)
    assert redact("postgresql://u:pw@h:5/db") == "postgresql://u:***@h:5/db"
    code, _, err = cli(capsys, "review", "next", "--queue", new_queue, "--reviewer", "an")
    assert code == 4 and "no review queue here" in err
    # the server ends the session under a reviewer: a clear error, not a driver traceback
    import psycopg

    with Queue(new_queue) as q:
        pid = q.backend.execute("SELECT pg_backend_pid() AS pid")[0]["pid"]
        with psycopg.connect(new_queue, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(QueueError, match="did not answer .*and try again"):
            q.claim("an")


@pytest.mark.parametrize("queue_backend", ["postgresql"])
def test_run_queues_into_postgresql_by_url_and_config(new_queue, queue_backend, tmp_path,
                                                      capsys, write):
    from .conftest import SAMPLES

    out = tmp_path / "out.jsonl"
    code, _, err = cli(capsys, "run", SAMPLES, "--out", out, "--queue", new_queue)
    assert code == 0, err
    with Queue(new_queue) as q:
        n = len(q.items())
        assert n > 0 and q.counts() == {"pending": n}
    # the same job again, with the URL from a config file: nothing is queued twice
    from repair.config import ROOT

    config = write("run.yaml", (ROOT / "configs" / "run.yaml").read_text(encoding="utf-8")
                   .replace("  path: null", f"  path: {new_queue}"))
    code, _, err = cli(capsys, "run", SAMPLES, "--out", out, "--config", config)
    assert code == 0, err
    with Queue(new_queue) as q:
        assert len(q.items()) == n
    code, out_text, err = cli(capsys, "review", "stats", "--queue", new_queue, "--json")
    assert code == 0, err and f'"pending": {n}' in out_text
