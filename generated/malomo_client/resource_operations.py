"""How to send each operation of the resource layer and read its success answer: one OperationDescriptor per
operation, read by malomo's resource runtime (malomo.resource_runtime).

Rendered by tools/codegen/generate.py from openapi/templates/resource_operations.py.jinja.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .models.customer import Customer
from .models.event import Event

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OperationDescriptor(Generic[T]):
    """One operation: its HTTP method and path template, the argument names that go into the path, the query
    and the headers (by their names in the spec), the media type of its body (None: no body), its success
    status and how that answer's JSON becomes the result (None: no body is read), and its cursor parameters
    when it is a paged list."""

    name: str
    method: str
    path: str
    path_parameters: tuple[str, ...]
    query_parameters: tuple[str, ...]
    header_parameters: tuple[str, ...]
    body_media_type: str | None
    success_status: tuple[int, int] | None  # the documented 2xx: its lowest and highest status
    parse: Callable[[Any], T] | None
    cursors: tuple[str, ...] = ()


def _list_of(item: Callable[[Any], T]) -> Callable[[Any], list[T]]:
    """The parse of a JSON array whose items `item` parses."""

    def parse(data: Any) -> list[T]:
        return [item(entry) for entry in data]

    return parse


def _as_json(data: Any) -> Any:
    """The parse of an answer the generator types as plain JSON: the JSON as it came."""
    return data


LIST_CUSTOMER_EVENTS: OperationDescriptor[list[Event]] = OperationDescriptor(
    name="list_customer_events",
    method="GET",
    path="/customers/{customer_id}/events",
    path_parameters=("customer_id",),
    query_parameters=(
        "next",
        "prev",
    ),
    header_parameters=(),
    body_media_type=None,
    success_status=(200, 200),
    parse=_list_of(Event.from_dict),
    cursors=(
        "next",
        "prev",
    ),
)


LIST_CUSTOMERS: OperationDescriptor[list[Customer]] = OperationDescriptor(
    name="list_customers",
    method="GET",
    path="/customers",
    path_parameters=(),
    query_parameters=(
        "next",
        "prev",
    ),
    header_parameters=(),
    body_media_type=None,
    success_status=(200, 200),
    parse=_list_of(Customer.from_dict),
    cursors=(
        "next",
        "prev",
    ),
)


CREATE_CUSTOMER: OperationDescriptor[Customer] = OperationDescriptor(
    name="create_customer",
    method="POST",
    path="/customers",
    path_parameters=(),
    query_parameters=(),
    header_parameters=(),
    body_media_type="application/json",
    success_status=(200, 200),
    parse=Customer.from_dict,
    cursors=(),
)


GET_CUSTOMER: OperationDescriptor[Customer] = OperationDescriptor(
    name="get_customer",
    method="GET",
    path="/customers/{id}",
    path_parameters=("id",),
    query_parameters=(),
    header_parameters=(),
    body_media_type=None,
    success_status=(200, 200),
    parse=Customer.from_dict,
    cursors=(),
)


UPDATE_CUSTOMER: OperationDescriptor[Customer] = OperationDescriptor(
    name="update_customer",
    method="PUT",
    path="/customers/{id}",
    path_parameters=("id",),
    query_parameters=(),
    header_parameters=(),
    body_media_type="application/json",
    success_status=(200, 200),
    parse=Customer.from_dict,
    cursors=(),
)


DELETE_CUSTOMER: OperationDescriptor[None] = OperationDescriptor(
    name="delete_customer",
    method="DELETE",
    path="/customers/{id}",
    path_parameters=("id",),
    query_parameters=(),
    header_parameters=(),
    body_media_type=None,
    success_status=(204, 204),
    parse=None,
    cursors=(),
)
