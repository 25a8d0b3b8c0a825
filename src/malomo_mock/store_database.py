"""The store's SQLite database: its tables, the upgrade of files an older version wrote, its connections, and
`StoreBusy` for a lock held elsewhere for longer than a write waits."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Final, Literal, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
# A write waits this long for a lock another process holds, then gives up with StoreBusy.
LOCK_TIMEOUT_SECONDS: Final = 1.0

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
    """The database is locked by someone else for longer than the store waits."""


def busy_means_store_busy(access: Callable[P, R]) -> Callable[P, R]:
    """Raise StoreBusy instead of sqlite3's error when `access` could not get the write lock in time (or,
    after a crash, a read found the file being recovered)."""

    @functools.wraps(access)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return access(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise StoreBusy(str(exc)) from None
            raise

    return guarded


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
