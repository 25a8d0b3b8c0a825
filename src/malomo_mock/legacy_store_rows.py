"""The store's row-tuple insert of versions before 0.3.0 (`bulk_insert_customers`), kept for bench/: a fixed
tuple of the fields customers had then, mapped onto `insert_customers`, which takes any field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

# The fields of a row, in its order: the layout of 0.2.x, frozen like the file layout it mirrors (a field the
# spec adds later is simply not in a row; one it drops is left out of the answer by its shape).
LEGACY_ROW_FIELDS: Final = (
    "id",
    "email",
    "first_name",
    "last_name",
    "phone_number",
    "created_us",
    "updated_us",
)

LegacyRow = tuple[str, str, str | None, str | None, str | None, int, int]


class LegacyRowsInsert:
    """`bulk_insert_customers` for a store that has `insert_customers`."""

    def insert_customers(self, customers: Iterable[Mapping[str, Any]]) -> None:
        raise NotImplementedError

    def bulk_insert_customers(self, rows: Iterable[LegacyRow]) -> None:
        """Insert rows (id, email, first_name, last_name, phone_number, created_us, updated_us) in one
        transaction: the argument of versions before 0.3.0, kept for bench/; `insert_customers` takes any
        field.
        """
        self.insert_customers(dict(zip(LEGACY_ROW_FIELDS, row, strict=True)) for row in rows)
