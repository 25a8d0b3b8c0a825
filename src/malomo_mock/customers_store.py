"""SQLite storage of the reference server: customers, their event logs and server metadata.

One connection, used from one thread at a time (the server's event loop); every write is one committed
transaction before the caller acknowledges it. Timestamps are stored as integer microseconds since the epoch.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from malomo_mock.request_bodies import CUSTOMER_FIELDS

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    phone_number TEXT,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_by_position ON customers (created_us, id);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    label TEXT NOT NULL,
    link_back_url TEXT,
    properties TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    type TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_position ON events (customer_id, created_us, id);
"""

_CUSTOMER_COLUMNS: Final = "id, email, first_name, last_name, phone_number, created_us, updated_us"
_EVENT_COLUMNS: Final = "id, label, link_back_url, properties, timestamp, type, created_us, updated_us"
_INTO_CUSTOMERS: Final = f"INTO customers ({_CUSTOMER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"


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

    items: list[dict[str, Any]]
    first: Position | None
    last: Position | None
    has_before: bool
    has_after: bool


def _customer_json(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "created_at": format_timestamp(row[5]),
        "email": row[1],
        "first_name": row[2],
        "id": row[0],
        "last_name": row[3],
        "phone_number": row[4],
        "updated_at": format_timestamp(row[6]),
    }


def _event_json(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": row[0],
        "label": row[1],
        "link_back_url": row[2],
        "properties": json.loads(row[3]),
        "timestamp": row[4],
        "type": row[5],
        "created_at": format_timestamp(row[6]),
        "updated_at": format_timestamp(row[7]),
    }


@dataclass(frozen=True, slots=True)
class _Listing:
    """A keyset-paginated list: its table, the columns of one item, their JSON, and the list's scope."""

    table: str
    columns: str
    to_json: Callable[[Sequence[Any]], dict[str, Any]]
    scope: str  # SQL condition; its `?` take the scope arguments of the call


_CUSTOMER_LIST: Final = _Listing("customers", _CUSTOMER_COLUMNS, _customer_json, "1")
_EVENT_LIST: Final = _Listing("events", _EVENT_COLUMNS, _event_json, "customer_id = ?")


class CustomersStore:
    """Customers and their events in one SQLite database (`:memory:` or a file in WAL mode)."""

    def __init__(self, path: str = ":memory:") -> None:
        # sqlite3 opens a `BEGIN IMMEDIATE` before the first write; `with self._db:` commits or rolls back.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level="IMMEDIATE")
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._last_us = 0
        self._sync_clock()
        self.cursor_secret = self._meta_secret("cursor_secret")

    def close(self) -> None:
        self._db.close()

    def _meta_secret(self, key: str) -> bytes:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            value = secrets.token_hex(32)
            with self._db:
                self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return bytes.fromhex(row[0])

    def _sync_clock(self) -> None:
        """Make later timestamps come after every stored one, so new items always sort last."""
        row = self._db.execute(
            "SELECT max(m) FROM (SELECT max(created_us) AS m FROM customers UNION ALL"
            " SELECT max(updated_us) FROM customers UNION ALL SELECT max(created_us) FROM events UNION ALL"
            " SELECT max(updated_us) FROM events)"
        ).fetchone()
        self._last_us = max(self._last_us, row[0] or 0)

    def _tick(self, at_least: int = 0) -> int:
        """A microsecond timestamp later than every one handed out before (and than `at_least - 1`)."""
        now = max(time.time_ns() // 1000, self._last_us + 1, at_least)
        # A whole second would be written without a fraction; skipping it keeps every timestamp the
        # server makes the same length, so their text sorts like their time.
        self._last_us = now + 1 if now % 1_000_000 == 0 else now
        return self._last_us

    def create_customer(self, fields: Mapping[str, str | None]) -> dict[str, Any]:
        """Insert a customer (and its `CustomerCreated` event) in one transaction; return its JSON."""
        now = self._tick()
        customer_id = str(uuid.uuid4())
        row = (customer_id, *(fields.get(name) for name in CUSTOMER_FIELDS), now, now)
        created = [name for name in CUSTOMER_FIELDS if fields.get(name) is not None]
        with self._db:
            self._db.execute(f"INSERT {_INTO_CUSTOMERS}", row)
            self._log_event(customer_id, "CustomerCreated", "Customer created", {"fields": created}, now)
        return _customer_json(row)

    def _customer_row(self, customer_id: str) -> Any:
        return self._db.execute(
            f"SELECT {_CUSTOMER_COLUMNS} FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()

    def get_customer(self, customer_id: str) -> dict[str, Any] | None:
        row = self._customer_row(customer_id)
        return None if row is None else _customer_json(row)

    def customer_exists(self, customer_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone() is not None

    def update_customer(self, customer_id: str, changes: Mapping[str, str | None]) -> dict[str, Any] | None:
        """Apply a partial update, move `updated_at` forward and log a `CustomerUpdated` event."""
        row = self._customer_row(customer_id)
        if row is None:
            return None
        current = dict(zip(CUSTOMER_FIELDS, row[1:5], strict=True))
        changed = [name for name in CUSTOMER_FIELDS if name in changes and changes[name] != current[name]]
        current.update(changes)
        now = self._tick(at_least=row[6] + 1)
        new_row = (customer_id, *(current[name] for name in CUSTOMER_FIELDS), row[5], now)
        with self._db:
            self._db.execute(
                "UPDATE customers SET email = ?, first_name = ?, last_name = ?, phone_number = ?,"
                " updated_us = ? WHERE id = ?",
                (*new_row[1:5], now, customer_id),
            )
            self._log_event(
                customer_id, "CustomerUpdated", "Customer updated", {"changed_fields": changed}, now
            )
        return _customer_json(new_row)

    def delete_customer(self, customer_id: str) -> bool:
        """Delete a customer and its event log; False when there was no such customer."""
        with self._db:
            deleted = self._db.execute("DELETE FROM customers WHERE id = ?", (customer_id,)).rowcount
            if deleted:
                self._db.execute("DELETE FROM events WHERE customer_id = ?", (customer_id,))
        return bool(deleted)

    def list_customers(self, page_size: int, after: Position | None, before: Position | None) -> Page:
        return self._page(_CUSTOMER_LIST, (), page_size, after, before)

    def list_events(
        self, customer_id: str, page_size: int, after: Position | None, before: Position | None
    ) -> Page:
        return self._page(_EVENT_LIST, (customer_id,), page_size, after, before)

    def _page(
        self,
        listing: _Listing,
        scope: tuple[str, ...],
        page_size: int,
        after: Position | None,
        before: Position | None,
    ) -> Page:
        """One keyset page after `after`, before `before`, or from the start."""
        where = f"FROM {listing.table} WHERE {listing.scope}"

        def rows(operator: str, position: Position | None, rest: str, *args: object) -> list[Any]:
            """The list's rows `operator` `position` (all of them when None), then `rest` (order, limit)."""
            sql = f"SELECT created_us, id, {listing.columns} {where}"
            bound: tuple[int, str] | tuple[()] = ()
            if position is not None:
                sql += f" AND (created_us, id) {operator} (?, ?)"
                bound = (position.created_us, position.id)
            return self._db.execute(f"{sql} {rest}", (*scope, *bound, *args)).fetchall()

        if before is not None:
            found = rows("<", before, "ORDER BY created_us DESC, id DESC LIMIT ?", page_size)[::-1]
        else:
            found = rows(">", after, "ORDER BY created_us, id LIMIT ?", page_size)
        if not found:
            return Page([], None, None, False, False)
        first, last = Position(found[0][0], found[0][1]), Position(found[-1][0], found[-1][1])
        items = [listing.to_json(row[2:]) for row in found]
        return Page(items, first, last, bool(rows("<", first, "LIMIT 1")), bool(rows(">", last, "LIMIT 1")))

    def insert_seed(self, customers: Iterable[Mapping[str, Any]]) -> None:
        """Insert validated seed customers with their events; ids already present are left as they are."""
        with self._db:
            for customer in customers:
                fields = (customer.get(name) for name in CUSTOMER_FIELDS)
                row = (customer["id"], *fields, customer["created_us"], customer["updated_us"])
                if not self._db.execute(f"INSERT OR IGNORE {_INTO_CUSTOMERS}", row).rowcount:
                    continue
                self._insert_events(
                    (
                        event["id"],
                        customer["id"],
                        event["label"],
                        event.get("link_back_url"),
                        json.dumps(event.get("properties", {})),
                        event["timestamp"],
                        event["type"],
                        event["created_us"],
                        event["updated_us"],
                    )
                    for event in customer.get("events", ())
                )
        self._sync_clock()

    def bulk_insert_customers(
        self, rows: Iterable[tuple[str, str, str | None, str | None, str | None, int, int]]
    ) -> None:
        """Insert raw rows (id, email, first, last, phone, created_us, updated_us) in one transaction."""
        with self._db:
            self._db.executemany(f"INSERT {_INTO_CUSTOMERS}", rows)
        self._sync_clock()

    def _insert_events(self, events: Iterable[tuple[Any, ...]]) -> None:
        self._db.executemany(
            "INSERT INTO events (id, customer_id, label, link_back_url, properties, timestamp, type,"
            " created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )

    def _log_event(self, customer_id: str, type_: str, label: str, properties: object, now: int) -> None:
        """One event the server itself logs about a customer, stamped `now`."""
        event = (str(uuid.uuid4()), customer_id, label, None, json.dumps(properties), now // 1_000_000, type_)
        self._insert_events([(*event, now, now)])
