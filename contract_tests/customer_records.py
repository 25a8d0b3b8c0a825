"""Customers the suite knows about: those it created (deleted at session end), live ids for generated paths.
Module-level singletons, because schemathesis hooks run outside pytest fixtures and must reach them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import schemathesis

# Every email the suite writes ends with this domain (RFC 2606 `example.com`: mail to it reaches nobody),
# so that leftovers can be found by searching customers for it.
EMAIL_DOMAIN = "malomo-contract-test.example.com"
CUSTOMERS_PATH = "/customers"
MAX_LABEL_LENGTH = 63


def tagged_email(label: str) -> str:
    """A recognisable, undeliverable address for a record the suite creates on purpose."""
    return f"{label}-{uuid.uuid4().hex[:12]}@{EMAIL_DOMAIN}"


def _filler_labels(length: int) -> str:
    """`length` characters of dot-separated LDH labels (each at most 63 long), or '' for 0."""
    labels: list[str] = []
    while length > 0:
        take = min(MAX_LABEL_LENGTH, length)
        if length - take == 1:
            # A lone dot would be left over: shorten this label so the next one gets a character.
            take -= 1
        labels.append("a" * take)
        length -= take + 1
    return ".".join(labels)


def safe_email(address: str) -> str:
    """`address` with its domain replaced by one under EMAIL_DOMAIN, of the same length when possible.

    The local part is kept as generated (its odd punctuation is what tests the server's validator);
    keeping the length keeps generated length boundaries (`maxLength: 254`) where they were.
    """
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    filler = len(domain) - len(EMAIL_DOMAIN) - 1
    if filler < 1:
        return f"{local}@{EMAIL_DOMAIN}"
    return f"{local}@{_filler_labels(filler)}.{EMAIL_DOMAIN}"


def looks_like_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class CreatedCustomers:
    """Ids of every customer created during the session, by any test or generated request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[str, None] = {}

    def add_created_by(self, answer: httpx.Response | schemathesis.Response) -> None:
        """Record the customer a create answered with. Any success counts (a broken server may answer 201):
        whatever was created gets deleted."""
        if not 200 <= answer.status_code < 300:
            return
        try:
            body = answer.json()
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            with self._lock:
                self._ids[body["id"]] = None

    def discard(self, customer_id: str) -> None:
        with self._lock:
            self._ids.pop(customer_id, None)

    def snapshot(self) -> list[str]:
        with self._lock:
            return list(self._ids)


class CustomerIdPool:
    """Ids that exist on the server, substituted for most generated path ids so tests reach past 404.

    `live` ids are read and updated, never deleted by generated requests; `disposable` ones are
    what generated DELETEs consume, and `refill` replaces each one consumed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.bind([], [], None)

    def bind(self, live: list[str], disposable: list[str], refill: Callable[[], str | None] | None) -> None:
        with self._lock:
            self._live = list(live)
            self._disposable = list(disposable)
            self._refill = refill

    def unbind(self) -> None:
        self.bind([], [], None)

    def ids(self, *, disposable: bool) -> list[str]:
        with self._lock:
            return list(self._disposable if disposable else self._live)

    def forget(self, customer_id: str) -> None:
        """`customer_id` was deleted: stop handing it out, and replace a consumed disposable id."""
        with self._lock:
            if customer_id in self._live:
                self._live.remove(customer_id)
            consumed = customer_id in self._disposable
            if consumed:
                self._disposable.remove(customer_id)
            refill = self._refill
        new_id = refill() if consumed and refill is not None else None
        if new_id is not None:
            with self._lock:
                self._disposable.append(new_id)


@dataclass
class CleanupReport:
    """What the end-of-session cleanup did; shown in the terminal summary."""

    attempted: int = 0
    deleted: int = 0
    left_over: list[str] = field(default_factory=list)


def delete_created_customers(client: httpx.Client) -> CleanupReport:
    """Delete every customer the session created; gone already (404) counts as done."""
    ids = CREATED.snapshot()
    report = CleanupReport(attempted=len(ids))
    for customer_id in ids:
        try:
            status = client.delete(f"{CUSTOMERS_PATH}/{customer_id}").status_code
        except httpx.HTTPError:
            status = 0
        if status in (204, 404):
            report.deleted += status == 204
            CREATED.discard(customer_id)
        else:
            report.left_over.append(customer_id)
    return report


CREATED = CreatedCustomers()
ID_POOL = CustomerIdPool()
