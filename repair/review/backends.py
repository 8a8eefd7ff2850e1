"""Where a queue lives: an SQLite file (the default) or a PostgreSQL database (a URL).

Queue operations write their SQL once, with ``?`` placeholders; a back end runs it, and
supplies the few statements that differ: inserting while ignoring duplicates, the id of a new
row, the row lock a claim takes (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` locks the whole file instead) and the clock claims expire by (the
server's, so that reviewers on several machines agree).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from repair.errors import QueueError
from repair.review.schema import LATEST, MIGRATIONS

__all__ = ["Backend", "SQLiteBackend", "PostgresBackend", "open_backend", "is_url", "redact"]

log = logging.getLogger(__name__)

Row = Mapping[str, Any]
URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


class Backend(ABC):
    kind: str
    location: str  # the file or redacted URL, for messages
    claim_lock = ""  # appended to the claim's SELECT

    @abstractmethod
    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """Run one statement (``?`` placeholders); its rows, or [] when it returns none."""

    @abstractmethod
    def insert(self, sql: str, args: Sequence[Any]) -> int:
        """Run one INSERT; the new row's id."""

    @abstractmethod
    def insert_ignoring_duplicates(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> int:
        """Insert rows, skipping those whose unique key is already there; how many were new."""

    @abstractmethod
    def transaction(self) -> Any:
        """A context manager: one write transaction."""

    def lock_item(self, item_id: int) -> None:
        """Inside a transaction: hold ``item_id`` until it ends (SQLite holds the file)."""
        return None

    def after_copy(self) -> None:
        """After rows were inserted with their ids: make new ids follow them."""
        return None

    def now(self) -> float:
        return time.time()

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def has_queue(self) -> bool:
        """Whether the queue's tables are there."""

    @abstractmethod
    def tables(self) -> set[str]:
        """The names of the database's tables (its own schema on PostgreSQL)."""

    def migrate(self) -> None:
        """Apply the migrations this queue has not had, in one transaction; a database that
        holds other tables and no queue (another program's) is refused, never added to."""
        with self.transaction():
            self._lock_schema()
            _refuse_foreign(self.tables(), self.location)
            self.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "description TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
            )
            done = {r["version"] for r in self.execute("SELECT version FROM schema_migrations")}
            newer = [v for v in done if v > LATEST]
            if newer:
                raise QueueError(
                    f"this queue has schema version {max(newer)}, newer than this program "
                    f"knows ({LATEST}); upgrade vi-repair to open it",
                    self.location,
                )
            for m in MIGRATIONS:
                if m.version in done:
                    continue
                log.info("queue %s: migration %d (%s)", self.location, m.version, m.description)
                getattr(m, self.kind)(self.execute)
                self.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (?,?,?)",
                    (m.version, m.description, time.time()),
                )

    def _lock_schema(self) -> None:
        """Inside the migration transaction: keep other openers out."""
        return None


def _refuse_foreign(tables: set[str], location: str) -> None:
    """A database that holds tables and no queue is another program's: refused."""
    if tables and not tables & {"schema_migrations", "items"}:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise QueueError(f"this database is not a review queue (it holds the tables {shown}); "
                         "give a new file or database, or an existing queue", location)


class SQLiteBackend(Backend):
    kind = "sqlite"

    def __init__(self, path: Path, busy_timeout_ms: int):
        self.path = path
        self.location = str(path)
        # Jupyter's kernel may run a widget's callbacks in another thread than the cell that
        # opened the queue (seen in JupyterLab: typing in the edit box), so the connection is
        # shared between threads, one statement or transaction at a time under ``_lock``.
        self._lock = threading.RLock()
        self.db = sqlite3.connect(
            path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        self.db.row_factory = sqlite3.Row
        self.db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        try:  # before WAL mode changes the file: another program's database stays as it was
            _refuse_foreign(self.tables(), self.location)
        except (QueueError, sqlite3.DatabaseError):
            self.db.close()
            raise
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return self.db.execute(sql, args).fetchall()

    def insert(self, sql: str, args: Sequence[Any]) -> int:
        with self._lock:
            rowid = self.db.execute(sql, args).lastrowid
        assert rowid is not None
        return rowid

    def insert_ignoring_duplicates(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> int:
        with self._lock:
            before = self.db.total_changes
            self.db.executemany(
                f"INSERT OR IGNORE INTO {table} ({_columns(columns)}) "
                f"VALUES ({','.join('?' * len(columns))})",
                rows,
            )
            return self.db.total_changes - before

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock up front, so two processes cannot both read an
        # item as free and then both claim it.
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def has_queue(self) -> bool:
        return bool(self.execute("SELECT 1 FROM sqlite_master WHERE name='items'"))

    def tables(self) -> set[str]:
        rows = self.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                            "AND name NOT LIKE 'sqlite_%'")
        return {r["name"] for r in rows}

    def close(self) -> None:
        self.db.close()


class PostgresBackend(Backend):
    kind = "postgresql"
    claim_lock = " FOR UPDATE OF i SKIP LOCKED"

    def __init__(self, url: str, busy_timeout_ms: int):
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise QueueError(
                "a PostgreSQL queue needs the psycopg driver: pip install -e '.[postgresql]'",
                redact(url),
            ) from exc
        self.location = redact(url)
        # As for SQLite: one transaction at a time when threads share the connection.
        self._lock = threading.RLock()
        try:
            self.db = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        except psycopg.Error as exc:
            raise QueueError(
                f"cannot connect to the review queue database ({str(exc).strip()}); is the "
                "server running, and are user, host and database in the URL right?",
                self.location,
            ) from exc
        # A lock held longer than this (a stuck session) fails the statement instead of
        # hanging the reviewer; SQLite's busy timeout plays the same part.
        self.db.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._lock, self._reporting():
            cur = self.db.execute(self._sql(sql), args or None)
            return cur.fetchall() if cur.description is not None else []

    def insert(self, sql: str, args: Sequence[Any]) -> int:
        with self._lock, self._reporting():
            row = self.db.execute(self._sql(sql) + " RETURNING id", args).fetchone()
        assert row is not None
        return int(row["id"])

    @contextmanager
    def _reporting(self) -> Iterator[None]:
        """A lost connection or a lock held too long becomes a QueueError that says so."""
        import psycopg

        try:
            yield
        except (psycopg.OperationalError, psycopg.errors.LockNotAvailable) as exc:
            raise QueueError(
                f"the queue database did not answer ({str(exc).strip()}); check the item with "
                "`repair review show ITEM` and try again",
                self.location,
            ) from exc

    def insert_ignoring_duplicates(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> int:
        with self._lock, self._reporting(), self.db.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {table} ({_columns(columns)}) "
                f"VALUES ({','.join(['%s'] * len(columns))}) ON CONFLICT DO NOTHING",
                rows,
            )
            return max(cur.rowcount, 0)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock, self._reporting(), self.db.transaction():
            yield

    def lock_item(self, item_id: int) -> None:
        self.execute("SELECT id FROM items WHERE id=? FOR UPDATE", (item_id,))

    def after_copy(self) -> None:
        for table in ("items", "decisions"):
            self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )

    def now(self) -> float:
        return float(self.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp()) AS t")[0]["t"])

    def _lock_schema(self) -> None:
        self.execute("SELECT pg_advisory_xact_lock(7262637)")  # any fixed number: one lock

    def has_queue(self) -> bool:
        row = self.execute("SELECT to_regclass('items') IS NOT NULL AS there")
        return bool(row[0]["there"])

    def tables(self) -> set[str]:
        rows = self.execute("SELECT table_name AS name FROM information_schema.tables "
                            "WHERE table_schema = current_schema()")
        return {r["name"] for r in rows}

    def close(self) -> None:
        self.db.close()


def _columns(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def open_backend(location: str | Path, busy_timeout_ms: int, must_exist: bool) -> Backend:
    """The back end for ``location`` (a PostgreSQL URL, or an SQLite file), its schema
    migrated to the latest version. ``must_exist``: refuse to create a new queue."""
    missing = "no review queue here; create one with `repair run INPUT... --queue PATH`"
    if is_url(location):
        backend: Backend = PostgresBackend(str(location), busy_timeout_ms)
        if must_exist and not backend.has_queue():
            backend.close()
            raise QueueError(missing, backend.location)
    else:
        path = Path(location)
        if must_exist and not path.is_file():
            raise QueueError(missing, path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            backend = SQLiteBackend(path, busy_timeout_ms)
        except sqlite3.DatabaseError as exc:
            raise _not_sqlite(exc, path) from exc
    try:
        backend.migrate()
    except sqlite3.DatabaseError as exc:
        backend.close()
        raise _not_sqlite(exc, location) from exc
    except QueueError:
        backend.close()
        raise
    return backend


def _not_sqlite(exc: Exception, path: str | Path) -> QueueError:
    return QueueError(
        f"cannot open review queue ({exc}); is it an SQLite file written by `repair run --queue`?",
        path,
    )
