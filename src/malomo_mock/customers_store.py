"""The reference server's records: customers and their event logs in one SQLite database, and keyset pages
of both lists.

Each record is one JSON document, the API's answer for it as the spec shapes it, beside the columns the
keyset lists index and the key of the shape it was written with: a document of another shape (an earlier
spec's) is reshaped when read, and one of the current shape is answered as stored. A file store has two
connections: writes (each one committed transaction before the caller acknowledges it) go through
`writer`, one thread, so that a lock held elsewhere never stalls the event loop; reads use their own.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final

from malomo_mock.legacy_store_rows import LegacyRowsInsert
from malomo_mock.openapi_contract import Contract, load_contract
from malomo_mock.store_database import (
    LOCK_TIMEOUT_SECONDS,
    StoreBusy,
    WriteQueue,
    busy_means_store_busy,
    connect,
    create_or_upgrade,
)
from malomo_mock.store_records import Page, Position, RecordKind, json_text

# The operations whose answers are a stored customer and a stored event (their shapes are the records').
CUSTOMER_OPERATION: Final = "getCustomer"
EVENT_OPERATION: Final = "listCustomerEvents"
# Keys of a record given to `insert_customers` that are the store's own columns (or its events), not fields
# of its document.
_NOT_FIELDS: Final = frozenset({"id", "created_us", "updated_us", "events"})
# The events the server logs itself: their `type` and `label`, and what their `properties` hold, are the
# server's own; a field named here that the spec's Event lacks is left out by its shape when rendered.
_EVENT_TYPE: Final = "type"
_EVENT_LABEL: Final = "label"
_EVENT_LINK: Final = "link_back_url"
_EVENT_PROPERTIES: Final = "properties"
_EVENT_SECONDS: Final = "timestamp"

__all__ = ["LOCK_TIMEOUT_SECONDS", "CustomersStore", "Page", "Position", "StoreBusy"]


class CustomersStore(LegacyRowsInsert):
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
        customer_shape = contract.response_shape(CUSTOMER_OPERATION)
        event_shape = contract.response_shape(EVENT_OPERATION)
        self._customers = RecordKind.of("customers", customer_shape, "1", contract.source)
        self._events = RecordKind.of("events", event_shape, "customer_id = ?", contract.source)
        # sqlite3 opens a `BEGIN IMMEDIATE` before the first write; `with self._db:` commits or rolls back.
        self._db = connect(path, lock_timeout, isolation_level="IMMEDIATE")
        self._reader = self._db
        self.writer: WriteQueue | None = None
        self._last_us = 0
        try:
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
            create_or_upgrade(self._db)
            self._sync_clock()
            self.cursor_secret = self._meta_secret("cursor_secret")
            if path != ":memory:":
                # In WAL mode a read waits for no lock (only a crash recovery could make it): no timeout.
                self._reader = connect(path, 0.0, isolation_level=None)
                self.writer = WriteQueue(self._db, lock_timeout)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.shutdown(wait=True)
        if self._reader is not self._db:
            self._reader.close()
        self._db.close()

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

    @busy_means_store_busy
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

    @busy_means_store_busy
    def get_customer(self, customer_id: str) -> dict[str, Any] | None:
        row = self._customer_row(self._reader, customer_id)
        return None if row is None else self._customers.document(row)

    @busy_means_store_busy
    def customer_json(self, customer_id: str) -> str | None:
        """`get_customer` as JSON text (the stored text when it has the current shape)."""
        row = self._customer_row(self._reader, customer_id)
        return None if row is None else self._customers.text(row)

    @busy_means_store_busy
    def customer_exists(self, customer_id: str) -> bool:
        found = self._reader.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone()
        return found is not None

    @busy_means_store_busy
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
                (self._customers.shape_key, json_text(customer), now, customer_id),
            )
            self._log_event(
                customer_id, "CustomerUpdated", "Customer updated", {"changed_fields": changed}, now
            )
        return customer

    @busy_means_store_busy
    def delete_customer(self, customer_id: str) -> bool:
        """Delete a customer and its event log; False when there was no such customer."""
        with self._db:
            deleted = self._db.execute("DELETE FROM customers WHERE id = ?", (customer_id,)).rowcount
            if deleted:
                self._db.execute("DELETE FROM events WHERE customer_id = ?", (customer_id,))
        return bool(deleted)

    @busy_means_store_busy
    def list_customers(
        self,
        page_size: int,
        after: Position | None,
        before: Position | None,
        matching: Mapping[str, Any] | None = None,
    ) -> Page:
        """One page of customers; with `matching`, only those whose fields equal its values."""
        return self._page(self._customers, (), page_size, after, before, matching or {})

    @busy_means_store_busy
    def list_events(
        self,
        customer_id: str,
        page_size: int,
        after: Position | None,
        before: Position | None,
        matching: Mapping[str, Any] | None = None,
    ) -> Page:
        return self._page(self._events, (customer_id,), page_size, after, before, matching or {})

    def _page(
        self,
        listing: RecordKind,
        scope: tuple[Any, ...],
        page_size: int,
        after: Position | None,
        before: Position | None,
        matching: Mapping[str, Any],
    ) -> Page:
        """One keyset page after `after`, before `before`, or from the start, of the records whose fields
        equal `matching`'s values."""
        where = f"FROM {listing.table} WHERE {listing.scope}"
        for name, value in matching.items():
            where += " AND json_extract(doc, ?) IS ?"
            scope = (*scope, f'$."{name}"', value)

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

    @busy_means_store_busy
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
                (*ids_and_times, self._customers.shape_key, json_text(document)),
            ).rowcount
            if inserted:
                self._insert_events(customer["id"], customer.get("events", ()))

    def insert_seed(self, customers: Iterable[Mapping[str, Any]]) -> None:
        """Insert seed customers (as `read_seed` gives them) with their events; see `insert_customers`."""
        self.insert_customers(customers)

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
                    json_text(
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
            _EVENT_LABEL: label,
            _EVENT_LINK: None,
            _EVENT_PROPERTIES: properties,
            _EVENT_SECONDS: now // 1_000_000,
            _EVENT_TYPE: type_,
        }
        self._insert_events(customer_id, [event])
