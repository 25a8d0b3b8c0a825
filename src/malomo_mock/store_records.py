"""How the store writes a record: timestamps as integer microseconds (and their RFC 3339 text), a record's
place in a keyset list, and its JSON document in the shape the spec gives its answer."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from malomo_mock.openapi_contract import ResponseShape, SpecError

# The store's own key columns (`id`, `created_us`, `updated_us`) are answered as these fields of the spec's
# answer; a spec whose answer lacks one is refused when the store opens (`RecordKind.of`).
ID_FIELD: Final = "id"
CREATED_FIELD: Final = "created_at"
UPDATED_FIELD: Final = "updated_at"


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


def json_text(values: Mapping[str, Any]) -> str:
    """`values` as compact JSON text, as the store keeps and the server answers it."""
    return json.dumps(values, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class RecordKind:
    """Records of one table: the shape of their answer (and its key), and the scope of their list."""

    table: str
    shape: ResponseShape
    scope: str  # SQL condition; its `?` take the scope arguments of the call
    shape_key: str

    @classmethod
    def of(cls, table: str, shape: ResponseShape, scope: str, source: object) -> RecordKind:
        """The kind of `table`'s records, its shape key a digest of the shape's fields and defaults."""
        missing = sorted({ID_FIELD, CREATED_FIELD, UPDATED_FIELD} - shape.names)
        if missing:
            raise SpecError(f"{source}: the answer of a stored {table} record has no field {missing[0]!r}")
        key = hashlib.blake2b(repr(shape.fields).encode(), digest_size=8).hexdigest()
        return cls(table, shape, scope, key)

    def render(self, id_: str, created_us: int, updated_us: int, fields: dict[str, Any]) -> dict[str, Any]:
        """The API's JSON of a record: its `fields` and the server's, in the spec's order."""
        fields[ID_FIELD] = id_
        fields[CREATED_FIELD] = format_timestamp(created_us)
        fields[UPDATED_FIELD] = format_timestamp(updated_us)
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
        return json_text(self.document(row))
