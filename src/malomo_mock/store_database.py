"""The store's SQLite database: its tables, the upgrade of files an older version wrote, its connections, the
queue its writes wait in, and `StoreBusy` for a lock held elsewhere for longer than a write waits (and
`StorageFull` for a full disk)."""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ClassVar, Final, Literal, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
# A write waits this long from its arrival for a lock another process holds, then gives up with StoreBusy.
LOCK_TIMEOUT_SECONDS: Final = 1.0
# A full disk is logged once, then again at most this often while writes keep failing on it.
FULL_LOG_INTERVAL_SECONDS: Final = 60.0
_log = logging.getLogger("malomo_mock")
# When each store (by id) last logged that its storage was full.
_full_logged_at: dict[int, float] = {}

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    shape TEXT NOT NULL DEFAULT '',
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_by_position ON customers (created_us, id);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    shape TEXT NOT NULL DEFAULT '',
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_position ON events (customer_id, created_us, id);
"""
# Files written before 0.3.0 kept each field in a column of its own; they are moved into documents once,
# in one transaction. This copy of the old columns is the old layout's, which never changes.
_UPGRADE_FROM_COLUMNS: Final = """
BEGIN IMMEDIATE;
DROP INDEX customers_by_position;
DROP INDEX events_by_position;
ALTER TABLE customers RENAME TO customers_before_0_3;
ALTER TABLE events RENAME TO events_before_0_3;
{schema}
INSERT INTO customers (id, created_us, updated_us, doc)
    SELECT id, created_us, updated_us, json_object(
        'email', email, 'first_name', first_name, 'last_name', last_name, 'phone_number', phone_number)
    FROM customers_before_0_3;
INSERT INTO events (id, customer_id, created_us, updated_us, doc)
    SELECT id, customer_id, created_us, updated_us, json_object(
        'label', label, 'link_back_url', link_back_url, 'properties', json(properties),
        'timestamp', timestamp, 'type', type)
    FROM events_before_0_3;
DROP TABLE customers_before_0_3;
DROP TABLE events_before_0_3;
COMMIT;
"""


class StoreBusy(Exception):
    """The database is locked by someone else for longer than the store waits: a write may succeed shortly.
    Its answer is a 503 with `code`, `message` and `Retry-After: retry_after`."""

    code: ClassVar[str] = "service_unavailable"
    message: ClassVar[str] = "The store is locked by another writer; retry shortly."
    retry_after: ClassVar[int] = 1


class StorageFull(StoreBusy):
    """The database's file or disk is full: writes fail, with nothing written, until space is freed; reads
    still work. A kind of StoreBusy, so that whoever answers a busy store with a 503 answers this too."""

    code = "storage_full"
    message = "The server's storage is full; writes are refused until space is freed. Reads still work."
    retry_after = 10


def busy_means_store_busy(access: Callable[P, R]) -> Callable[P, R]:
    """Raise StoreBusy instead of sqlite3's error when `access` could not get the write lock in time (or,
    after a crash, a read found the file being recovered), and StorageFull when the storage is full (logged
    in one line, not a traceback per request)."""

    @functools.wraps(access)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return access(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise StoreBusy(str(exc)) from None
            if code == sqlite3.SQLITE_FULL:
                _log_storage_full(id(args[0]) if args else 0, str(exc))
                raise StorageFull(str(exc)) from None
            raise

    return guarded


def _log_storage_full(store: int, error: str) -> None:
    now = time.monotonic()
    if now - _full_logged_at.get(store, -FULL_LOG_INTERVAL_SECONDS) >= FULL_LOG_INTERVAL_SECONDS:
        _full_logged_at[store] = now
        _log.warning(
            "the store's storage is full (%s): writes are answered 503 storage_full until space is freed,"
            " reads go on (logged again at most every %g s while it lasts)",
            error,
            FULL_LOG_INTERVAL_SECONDS,
        )


class WriteQueue(ThreadPoolExecutor):
    """The one thread a file store's writes run on (`db` is their connection), each allowed `lock_wait`
    seconds from its arrival (its submission) to get the database's write lock, queued or not.

    SQLite waits for a lock as long as the connection's busy timeout says, so a write that waited in the
    queue runs with what is left of its time: behind a lock held elsewhere every queued write gives up by its
    own deadline, not one whole lock wait after the write before it. A write whose time is up still tries
    the lock once, so that writes queued behind busy (not blocked) ones are not refused.
    """

    def __init__(self, db: sqlite3.Connection, lock_wait: float) -> None:
        ThreadPoolExecutor.__init__(self, 1, thread_name_prefix="malomo-mock-writer")
        self._db = db
        self._lock_wait = lock_wait

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        deadline = time.monotonic() + self._lock_wait
        return ThreadPoolExecutor.submit(
            self, self._write_by, deadline, functools.partial(fn, *args, **kwargs)
        )

    def _write_by(self, deadline: float, write: Callable[[], R]) -> R:
        left = deadline - time.monotonic()
        if left > self._lock_wait - 0.01:  # it hardly waited: the connection's own timeout is the lock wait
            return write()
        self._db.execute(f"PRAGMA busy_timeout = {max(0, int(left * 1000))}")
        try:
            return write()
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {int(self._lock_wait * 1000)}")


def connect(path: str, timeout: float, isolation_level: Literal["IMMEDIATE"] | None) -> sqlite3.Connection:
    """A connection to `path` usable from the writer thread, its rows addressable by column name."""
    db = sqlite3.connect(path, timeout=timeout, check_same_thread=False, isolation_level=isolation_level)
    db.row_factory = sqlite3.Row
    return db


def create_or_upgrade(db: sqlite3.Connection) -> None:
    """Create the tables, or move a file of an older layout to this one (each in one transaction)."""
    found = db.execute("SELECT name FROM pragma_table_info('customers')").fetchall()
    columns = {row["name"] for row in found}
    if columns and "doc" not in columns:
        db.executescript(_UPGRADE_FROM_COLUMNS.format(schema=_SCHEMA))
    elif columns and "shape" not in columns:  # documents without a shape key (never released)
        db.executescript(
            "BEGIN IMMEDIATE; ALTER TABLE customers ADD COLUMN shape TEXT NOT NULL DEFAULT '';"
            " ALTER TABLE events ADD COLUMN shape TEXT NOT NULL DEFAULT ''; COMMIT;"
        )
    else:
        db.executescript(_SCHEMA)
