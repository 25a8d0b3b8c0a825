"""Records the suite knows about: the customers it created (deleted at session end), and path parameters
that exist, for generated requests. One of each per run, in `run_state.RunState`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from malomo_contract.record_fields import ID_FIELD
from malomo_contract.spec_contract import (
    Operation,
    evaluate,
    operation,
    operations,
    operations_on_items_of,
)

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


@dataclass(frozen=True)
class CreatedRecord:
    """A record a create operation of the spec answered: its id, the operation that made it, and the path
    parameters that reach it (`creator`'s delete operation's, when the spec has one)."""

    id: str
    creator: str
    parameters: tuple[tuple[str, str], ...]


def _path_of(answer: httpx.Response | schemathesis.Response) -> tuple[str, str]:
    request = answer.request
    return str(request.method).upper(), urlsplit(str(request.url)).path


def creator_of(
    method: str, url_path: str, every: Sequence[Operation]
) -> tuple[Operation, dict[str, str]] | None:
    """The operation of `every` that `method url_path` called (whatever path the base URL has), with its path
    parameters."""
    segments = url_path.split("/")
    for start in range(1, len(segments)):
        path = "/" + "/".join(segments[start:])
        matches = [(op, found) for op in every if (found := op.match(method, path)) is not None]
        if matches:
            # A literal segment beats a parameter, as in OpenAPI's own matching (malomo_spec's rule).
            return min(matches, key=lambda match: len(match[1]))
    return None


def delete_operation_for(creator: Operation, every: Sequence[Operation]) -> tuple[Operation, str] | None:
    """The operation that deletes what `creator` creates, with the path parameter naming the record: the
    DELETE a link of `creator` targets, else the DELETE on one item of the list `creator` posts to; None
    when the spec has none."""
    by_id = {op.operation_id: op for op in every}
    for link in creator.links():
        target = by_id.get(link.target)
        if target is not None and target.method == "DELETE" and target.path_parameters:
            return target, target.path_parameters[-1]
    for op in every:
        item = op.path.rpartition("/{")[0]
        if op.method == "DELETE" and op.path_parameters and item == creator.path.rstrip("/"):
            return op, op.path_parameters[-1]
    return None


class CreatedCustomers:
    """Every record the session created, by any test or generated request, with the operation that created
    it: a create operation's success answer with an id (a broken server may answer 201: any success
    counts, and whatever was created gets cleaned up)."""

    def __init__(self, every: Sequence[Operation] | None = None) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, CreatedRecord] = {}
        self._every = tuple(every) if every is not None else None

    @property
    def operations(self) -> tuple[Operation, ...]:
        return self._every if self._every is not None else operations()

    def add_created_by(self, answer: httpx.Response | schemathesis.Response) -> None:
        """Record what a create answered, under the operation its request called (a POST of the spec)."""
        if not 200 <= answer.status_code < 300:
            return
        called = creator_of(*_path_of(answer), self.operations)
        if called is None or called[0].method != "POST":
            return
        try:
            body = answer.json()
        except ValueError:
            return
        creator, parameters = called
        deletion = delete_operation_for(creator, self.operations)
        if not isinstance(body, dict) or not isinstance(body.get(ID_FIELD), str):
            return
        reached = {**parameters, (deletion[1] if deletion else ID_FIELD): body[ID_FIELD]}
        with self._lock:
            self._records[body[ID_FIELD]] = CreatedRecord(
                body[ID_FIELD], creator.operation_id, tuple(sorted(reached.items()))
            )

    def discard(self, record_id: str) -> None:
        with self._lock:
            self._records.pop(record_id, None)

    def snapshot(self) -> list[str]:
        """The ids of every record created and not deleted."""
        with self._lock:
            return list(self._records)

    def records(self) -> list[CreatedRecord]:
        with self._lock:
            return list(self._records.values())


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
    # Records left in place because the spec has no operation that deletes them, by the operation that made
    # them.
    undeletable: dict[str, list[str]] = field(default_factory=dict)

    def left_behind(self) -> list[str]:
        """One line per kind of record the cleanup could not delete because the spec cannot."""
        return [
            f"left {len(ids)} records created by {creator} (the spec has no operation that deletes them): "
            f"{', '.join(ids[:20])}"
            for creator, ids in self.undeletable.items()
        ]


def delete_created_customers(client: httpx.Client, created: CreatedCustomers) -> CleanupReport:
    """Delete every record the session created with the spec's delete operation for it (gone already, a
    404, counts as done); a record the spec cannot delete is left and listed."""
    report = CleanupReport()
    for record in created.records():
        deletion = delete_operation_for(
            operation_by_id(record.creator, created.operations), created.operations
        )
        if deletion is None:
            report.undeletable.setdefault(record.creator, []).append(record.id)
            continue
        delete = deletion[0]
        report.attempted += 1
        # Answers that end a record: deleted (the documented success) or gone already (the documented 404).
        done = {*delete.success_statuses, *(delete.error_statuses & {404})}
        try:
            status = client.delete(delete.url_path(dict(record.parameters))).status_code
        except (httpx.HTTPError, KeyError):
            status = 0
        if status in done:
            report.deleted += status in delete.success_statuses
            created.discard(record.id)
        else:
            report.left_over.append(record.id)
    return report


def operation_by_id(operation_id: str, every: Sequence[Operation]) -> Operation:
    return next(op for op in every if op.operation_id == operation_id)
