"""Records the suite knows about: the customers it created (deleted at session end), and path parameters
that exist, for generated requests. One of each per run, in `run_state.RunState`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from malomo_contract.record_fields import ID_FIELD
from malomo_contract.spec_contract import Operation, evaluate, operation, operations_on_items_of

if TYPE_CHECKING:
    import schemathesis

# Every email the suite writes ends with this domain (RFC 2606 `example.com`: mail to it reaches nobody),
# so that leftovers can be found by searching customers for it.
EMAIL_DOMAIN = "malomo-contract-test.example.com"
# The list of customers, where they are created too.
CUSTOMERS_PATH = operation("listCustomers").path
MAX_LABEL_LENGTH = 63
# Path parameters kept per operation; older ones are dropped first.
MAX_LEARNT_PER_OPERATION = 20


def tagged_email(label: str) -> str:
    """A recognisable, undeliverable address for a record the suite creates on purpose."""
    return f"{label}-{uuid.uuid4().hex[:12]}@{EMAIL_DOMAIN}"


def filler_labels(length: int) -> str:
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
    return f"{local}@{filler_labels(filler)}.{EMAIL_DOMAIN}"


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
        if isinstance(body, dict) and isinstance(body.get(ID_FIELD), str):
            with self._lock:
                self._ids[body[ID_FIELD]] = None

    def discard(self, customer_id: str) -> None:
        with self._lock:
            self._ids.pop(customer_id, None)

    def snapshot(self) -> list[str]:
        with self._lock:
            return list(self._ids)


class PathParameterPool:
    """Path parameters that exist on the server, per operation, substituted for most generated ones so that
    every operation gets past 404. Learnt from answers as the spec says they connect: its links (a create's
    `$response.body#/id` fills `getCustomer`'s `id`) and the items of list answers (a listed item's `id`
    fills the operations on one item of that list).

    Parameters learnt from a create are `disposable`: generated DELETEs consume only those, and `refill`
    replaces each seeded one consumed. The rest are read and updated, never deleted by generated requests.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Records a failure's reproduction needs: never handed out again (see `withhold`).
        self._withheld: set[str] = set()
        self.bind(None)

    def bind(self, refill: Callable[[], None] | None) -> None:
        with self._lock:
            self._entries: dict[str, list[tuple[dict[str, str], bool]]] = {}
            self._refill = refill
            self._seeded_disposable: set[str] = set()

    def unbind(self) -> None:
        self.bind(None)

    def learn(
        self,
        operation: Operation,
        parameters: Mapping[str, str],
        body: Any,
        *,
        seeded: bool = False,
        disposable: bool | None = None,
    ) -> None:
        """Remember what a success answer of `operation` (sent with path `parameters`) makes reachable.
        What a create's links reach is disposable unless told otherwise."""
        disposable = operation.method == "POST" if disposable is None else disposable
        for link in operation.links():
            values = {
                name: evaluate(expression, parameters, body) for name, expression in link.parameters.items()
            }
            found = {name: value for name, value in values.items() if value is not None}
            if len(found) == len(values):
                self._add(link.target, found, disposable, seeded)
        if operation.is_list and isinstance(body, list):
            for item_operation, name in operations_on_items_of(operation):
                for item in body[:MAX_LEARNT_PER_OPERATION]:
                    if isinstance(item, dict) and isinstance(item.get(ID_FIELD), str):
                        self._add(
                            item_operation.operation_id, {**parameters, name: item[ID_FIELD]}, False, seeded
                        )

    def _add(self, operation_id: str, parameters: dict[str, str], disposable: bool, seeded: bool) -> None:
        with self._lock:
            if self._withheld.intersection(parameters.values()):
                return
            entries = self._entries.setdefault(operation_id, [])
            if (parameters, disposable) in entries:
                return
            entries.append((parameters, disposable))
            del entries[:-MAX_LEARNT_PER_OPERATION]
            if seeded and disposable:
                self._seeded_disposable.update(parameters.values())

    def parameters(self, operation_id: str, *, disposable: bool) -> list[dict[str, str]]:
        """Known path parameters of `operation_id`; only disposable ones for `disposable`."""
        with self._lock:
            entries = self._entries.get(operation_id, [])
            return [dict(params) for params, is_disposable in entries if is_disposable or not disposable]

    def withhold(self, values: Iterable[str]) -> None:
        """A failure's reproduction needs the records `values` name: no later generated request gets them
        (to update or delete), learnt again or not; a consumed seeded disposable one is replaced."""
        withheld = set(values)
        with self._lock:
            self._withheld |= withheld
            for operation_id, entries in self._entries.items():
                self._entries[operation_id] = [
                    entry for entry in entries if not withheld.intersection(entry[0].values())
                ]
            consumed = bool(withheld & self._seeded_disposable)
            self._seeded_disposable -= withheld
            refill = self._refill
        if consumed and refill is not None:
            refill()

    def forget(self, value: str) -> None:
        """The record `value` names was deleted: stop handing it out, and replace a consumed seeded one."""
        with self._lock:
            for operation_id, entries in self._entries.items():
                self._entries[operation_id] = [entry for entry in entries if value not in entry[0].values()]
            consumed = value in self._seeded_disposable
            self._seeded_disposable.discard(value)
            refill = self._refill
        if consumed and refill is not None:
            refill()


@dataclass
class CleanupReport:
    """What the end-of-session cleanup did; shown in the terminal summary."""

    attempted: int = 0
    deleted: int = 0
    left_over: list[str] = field(default_factory=list)


def delete_created_customers(client: httpx.Client, created: CreatedCustomers) -> CleanupReport:
    """Delete every customer the session created; gone already (404) counts as done."""
    ids = created.snapshot()
    report = CleanupReport(attempted=len(ids))
    delete = operation("deleteCustomer")
    # Answers that end a customer: deleted (the documented success) or gone already (the documented 404).
    done = {*delete.success_statuses, *(delete.error_statuses & {404})}
    for customer_id in ids:
        try:
            status = client.delete(
                delete.url_path(dict.fromkeys(delete.path_parameters, customer_id))
            ).status_code
        except httpx.HTTPError:
            status = 0
        if status in done:
            report.deleted += status in delete.success_statuses
            created.discard(customer_id)
        else:
            report.left_over.append(customer_id)
    return report
