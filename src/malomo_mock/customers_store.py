"""SQLite storage of the reference server: customers, their event logs and server metadata.

Each record is one JSON document, the API's answer for it as the spec shapes it, beside the columns the
keyset lists index and the key of the shape it was written with: a document of another shape (an earlier
spec's) is reshaped when read, and one of the current shape is answered as stored. A file store has two
connections: writes (each one committed transaction before the caller acknowledges it) go through
`writer`, one thread, so that a lock held elsewhere never stalls the event loop; reads use their own.
Timestamps are stored as integer microseconds since the epoch.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, ParamSpec, TypeVar

from malomo_mock.openapi_contract import Contract, ResponseShape, SpecError, load_contract

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
# Keys of a record given to `insert_customers` that are columns (or its events), not fields of its document.
_NOT_FIELDS: Final = frozenset({"id", "created_us", "updated_us", "events"})
P = ParamSpec("P")
R = TypeVar("R")
# A write waits this long for a lock another process holds, then gives up with StoreBusy.
LOCK_TIMEOUT_SECONDS: Final = 1.0


class StoreBusy(Exception):
    """The database is locked by someone else for longer than the store waits."""


def format_timestamp(micros: int) -> str:
    """RFC 3339 UTC text of `micros`; the fraction is written only when it is not zero (stable either way)."""
    seconds, fraction = divmod(micros, 1_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{text}.{fraction:06d}Z" if fraction else f"{text}Z"


def parse_timestamp(text: str) -> int:
    """Microseconds since the epoch of an RFC 3339 date-time (`Z` or numeric offset); else ValueError."""
    if not isinstance(text, str) or len(text) < 20 or text[10] not in "Tt":
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Position:
    """Where an item sits in a list ordered by (created_at, id)."""

    created_us: int
    id: str


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list and whether there are items before and after it."""

    items: list[str]  # each item's JSON text
    first: Position | None
    last: Position | None
    has_before: bool
    has_after: bool


def _json(values: Mapping[str, Any]) -> str:
    return json.dumps(values, separators=(",", ":"))


def _busy_means_store_busy(access: Callable[P, R]) -> Callable[P, R]:
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


@dataclass(frozen=True, slots=True)
class _Kind:
    """Records of one table: the shape of their answer (and its key), and the scope of their list."""

    table: str
    shape: ResponseShape
    scope: str  # SQL condition; its `?` take the scope arguments of the call
    shape_key: str

    @classmethod
    def of(cls, table: str, shape: ResponseShape, scope: str) -> _Kind:
        """The kind of `table`'s records, its shape key a digest of the shape's fields and defaults."""
        key = hashlib.blake2b(repr(shape.fields).encode(), digest_size=8).hexdigest()
        return cls(table, shape, scope, key)

    def render(self, id_: str, created_us: int, updated_us: int, fields: dict[str, Any]) -> dict[str, Any]:
        """The API's JSON of a record: its `fields` and the server's, in the spec's order."""
        fields["id"] = id_
        fields["created_at"] = format_timestamp(created_us)
        fields["updated_at"] = format_timestamp(updated_us)
        return self.shape.render(fields)

    def document(self, row: sqlite3.Row) -> dict[str, Any]:
        """The answer for a stored record, reshaped when it was written under another shape."""
        fields: dict[str, Any] = json.loads(row["doc"])
        if row["shape"] == self.shape_key:
            return fields
        return self.render(row["id"], row["created_us"], row["updated_us"], fields)

    def text(self, row: sqlite3.Row) -> str:
        """`document(row)` as JSON text: the stored text itself when its shape is the current one."""
        if row["shape"] == self.shape_key:
            stored: str = row["doc"]
            return stored
        return _json(self.document(row))


class CustomersStore:
    """Customers and their events in one SQLite database (`:memory:` or a file in WAL mode).

    `writer` is None for `:memory:` (one connection, which nobody else can lock): callers then write inline.
    """

    def __init__(
        self,
        path: str = ":memory:",
        contract: Contract | None = None,
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    ) -> None:
        contract = contract or load_contract()
        try:
            self._customers = _Kind.of("customers", contract.shapes["Customer"], "1")
            self._events = _Kind.of("events", contract.shapes["Event"], "customer_id = ?")
        except KeyError as exc:
            raise SpecError(f"{contract.source}: no schema {exc.args[0]!r}") from None
        # sqlite3 opens a `BEGIN IMMEDIATE` before the first write; `with self._db:` commits or rolls back.
        self._db = self._connect(path, lock_timeout, isolation_level="IMMEDIATE")
        self._reader = self._db
        self.writer: ThreadPoolExecutor | None = None
        self._last_us = 0
        try:
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
            self._create_or_upgrade()
            self._sync_clock()
            self.cursor_secret = self._meta_secret("cursor_secret")
            if path != ":memory:":
                # In WAL mode a read waits for no lock (only a crash recovery could make it): no timeout.
                self._reader = self._connect(path, 0.0, isolation_level=None)
                self.writer = ThreadPoolExecutor(1, thread_name_prefix="malomo-mock-writer")
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _connect(
        path: str, timeout: float, isolation_level: Literal["IMMEDIATE"] | None
    ) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=timeout, check_same_thread=False, isolation_level=isolation_level)
        db.row_factory = sqlite3.Row
        return db

    def close(self) -> None:
        if self.writer is not None:
            self.writer.shutdown(wait=True)
        if self._reader is not self._db:
            self._reader.close()
        self._db.close()

    def _create_or_upgrade(self) -> None:
        found = self._db.execute("SELECT name FROM pragma_table_info('customers')").fetchall()
        columns = {row["name"] for row in found}
        if columns and "doc" not in columns:
            self._db.executescript(_UPGRADE_FROM_COLUMNS.format(schema=_SCHEMA))
        elif columns and "shape" not in columns:  # documents without a shape key (never released)
            self._db.executescript(
                "BEGIN IMMEDIATE; ALTER TABLE customers ADD COLUMN shape TEXT NOT NULL DEFAULT '';"
                " ALTER TABLE events ADD COLUMN shape TEXT NOT NULL DEFAULT ''; COMMIT;"
            )
        else:
            self._db.executescript(_SCHEMA)

    def _meta_secret(self, key: str) -> bytes:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            value = secrets.token_hex(32)
            with self._db:
                self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return bytes.fromhex(row["value"])

    def _sync_clock(self) -> None:
        """Make later timestamps come after every stored one, so new items always sort last."""
        row = self._db.execute(
            "SELECT max(m) AS latest FROM (SELECT max(created_us) AS m FROM customers UNION ALL"
            " SELECT max(updated_us) FROM customers UNION ALL SELECT max(created_us) FROM events UNION ALL"
            " SELECT max(updated_us) FROM events)"
        ).fetchone()
        self._last_us = max(self._last_us, row["latest"] or 0)

    def _tick(self, at_least: int = 0) -> int:
        """A microsecond timestamp later than every one handed out before (and than `at_least - 1`)."""
        now = max(time.time_ns() // 1000, self._last_us + 1, at_least)
        # A whole second would be written without a fraction; skipping it keeps every timestamp the
        # server makes the same length, so their text sorts like their time.
        self._last_us = now + 1 if now % 1_000_000 == 0 else now
        return self._last_us

    @_busy_means_store_busy
    def create_customer(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Insert a customer (and its `CustomerCreated` event) in one transaction; return its JSON."""
        now = self._tick()
        customer_id = str(uuid.uuid4())
        created = [name for name, value in fields.items() if value is not None]
        with self._db:
            self._insert_customers([{**fields, "id": customer_id, "created_us": now, "updated_us": now}])
            self._log_event(customer_id, "CustomerCreated", "Customer created", {"fields": created}, now)
        return self._customers.render(customer_id, now, now, dict(fields))

    def _customer_row(self, db: sqlite3.Connection, customer_id: str) -> sqlite3.Row | None:
        found: sqlite3.Row | None = db.execute(
            "SELECT id, created_us, updated_us, shape, doc FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        return found

    @_busy_means_store_busy
    def get_customer(self, customer_id: str) -> dict[str, Any] | None:
        row = self._customer_row(self._reader, customer_id)
        return None if row is None else self._customers.document(row)

    @_busy_means_store_busy
    def customer_json(self, customer_id: str) -> str | None:
        """`get_customer` as JSON text (the stored text when it has the current shape)."""
        row = self._customer_row(self._reader, customer_id)
        return None if row is None else self._customers.text(row)

    @_busy_means_store_busy
    def customer_exists(self, customer_id: str) -> bool:
        found = self._reader.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone()
        return found is not None

    @_busy_means_store_busy
    def update_customer(self, customer_id: str, changes: Mapping[str, Any]) -> dict[str, Any] | None:
        """Apply a partial update, move `updated_at` forward and log a `CustomerUpdated` event."""
        row = self._customer_row(self._db, customer_id)
        if row is None:
            return None
        fields = self._customers.document(row)
        changed = [name for name, value in changes.items() if fields.get(name) != value]
        fields.update(changes)
        now = self._tick(at_least=row["updated_us"] + 1)
        customer = self._customers.render(customer_id, row["created_us"], now, fields)
        with self._db:
            self._db.execute(
                "UPDATE customers SET shape = ?, doc = ?, updated_us = ? WHERE id = ?",
                (self._customers.shape_key, _json(customer), now, customer_id),
            )
            self._log_event(
                customer_id, "CustomerUpdated", "Customer updated", {"changed_fields": changed}, now
            )
        return customer

    @_busy_means_store_busy
    def delete_customer(self, customer_id: str) -> bool:
        """Delete a customer and its event log; False when there was no such customer."""
        with self._db:
            deleted = self._db.execute("DELETE FROM customers WHERE id = ?", (customer_id,)).rowcount
            if deleted:
                self._db.execute("DELETE FROM events WHERE customer_id = ?", (customer_id,))
        return bool(deleted)

    @_busy_means_store_busy
    def list_customers(self, page_size: int, after: Position | None, before: Position | None) -> Page:
        return self._page(self._customers, (), page_size, after, before)

    @_busy_means_store_busy
    def list_events(
        self, customer_id: str, page_size: int, after: Position | None, before: Position | None
    ) -> Page:
        return self._page(self._events, (customer_id,), page_size, after, before)

    def _page(
        self,
        listing: _Kind,
        scope: tuple[str, ...],
        page_size: int,
        after: Position | None,
        before: Position | None,
    ) -> Page:
        """One keyset page after `after`, before `before`, or from the start."""
        where = f"FROM {listing.table} WHERE {listing.scope}"

        def rows(operator: str, position: Position | None, rest: str, *args: object) -> list[sqlite3.Row]:
            """The list's rows `operator` `position` (all of them when None), then `rest` (order, limit)."""
            sql = f"SELECT id, created_us, updated_us, shape, doc {where}"
            bound: tuple[int, str] | tuple[()] = ()
            if position is not None:
                sql += f" AND (created_us, id) {operator} (?, ?)"
                bound = (position.created_us, position.id)
            return self._reader.execute(f"{sql} {rest}", (*scope, *bound, *args)).fetchall()

        if before is not None:
            found = rows("<", before, "ORDER BY created_us DESC, id DESC LIMIT ?", page_size)[::-1]
        else:
            found = rows(">", after, "ORDER BY created_us, id LIMIT ?", page_size)
        if not found:
            return Page([], None, None, False, False)
        first = Position(found[0]["created_us"], found[0]["id"])
        last = Position(found[-1]["created_us"], found[-1]["id"])
        items = [listing.text(row) for row in found]
        return Page(items, first, last, bool(rows("<", first, "LIMIT 1")), bool(rows(">", last, "LIMIT 1")))

    @_busy_means_store_busy
    def insert_customers(self, customers: Iterable[Mapping[str, Any]]) -> None:
        """Store customers given with their `id`, `created_us`, `updated_us`, fields and optional `events`
        (each with `id`, `created_us`, `updated_us` and its fields), in one transaction; ids already
        present are left as they are. The fields are stored as given: callers check them against the spec.
        """
        with self._db:
            self._insert_customers(customers)
        self._sync_clock()

    def _insert_customers(self, customers: Iterable[Mapping[str, Any]]) -> None:
        for customer in customers:
            fields = {name: value for name, value in customer.items() if name not in _NOT_FIELDS}
            ids_and_times = (customer["id"], customer["created_us"], customer["updated_us"])
            document = self._customers.render(*ids_and_times, fields)
            inserted = self._db.execute(
                "INSERT OR IGNORE INTO customers (id, created_us, updated_us, shape, doc)"
                " VALUES (?, ?, ?, ?, ?)",
                (*ids_and_times, self._customers.shape_key, _json(document)),
            ).rowcount
            if inserted:
                self._insert_events(customer["id"], customer.get("events", ()))

    def insert_seed(self, customers: Iterable[Mapping[str, Any]]) -> None:
        """Insert seed customers (as `read_seed` gives them) with their events; see `insert_customers`."""
        self.insert_customers(customers)

    def bulk_insert_customers(
        self, rows: Iterable[tuple[str, str, str | None, str | None, str | None, int, int]]
    ) -> None:
        """Insert rows (id, email, first_name, last_name, phone_number, created_us, updated_us) in one
        transaction: the argument of versions before 0.3.0, kept for bench/; `insert_customers` takes any
        field.
        """
        self.insert_customers(
            {
                "id": id_,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "phone_number": phone_number,
                "created_us": created_us,
                "updated_us": updated_us,
            }
            for id_, email, first_name, last_name, phone_number, created_us, updated_us in rows
        )

    def _insert_events(self, customer_id: str, events: Iterable[Mapping[str, Any]]) -> None:
        kind = self._events
        self._db.executemany(
            "INSERT INTO events (id, customer_id, created_us, updated_us, shape, doc)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    event["id"],
                    customer_id,
                    event["created_us"],
                    event["updated_us"],
                    kind.shape_key,
                    _json(
                        kind.render(
                            event["id"],
                            event["created_us"],
                            event["updated_us"],
                            {name: value for name, value in event.items() if name not in _NOT_FIELDS},
                        )
                    ),
                )
                for event in events
            ),
        )

    def _log_event(self, customer_id: str, type_: str, label: str, properties: object, now: int) -> None:
        """One event the server itself logs about a customer, stamped `now`."""
        event = {
            "id": str(uuid.uuid4()),
            "created_us": now,
            "updated_us": now,
            "label": label,
            "link_back_url": None,
            "properties": properties,
            "timestamp": now // 1_000_000,
            "type": type_,
        }
        self._insert_events(customer_id, [event])
