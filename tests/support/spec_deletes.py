"""The spec's DELETE operations as tests use them: pytest params over them (one skipped param, naming what is
missing, when the spec has none), each one's resource method and generated module, and the cleanup that
deletes a customer only when the spec declares how."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any, Final

import httpx
import pytest

import malomo_spec
from malomo_spec import Operation
from support.spec_document import DOCUMENT

DELETES: Final = tuple(op for op in malomo_spec.operations(DOCUMENT) if op.method == "DELETE")


def resource_method(operation: Operation) -> tuple[str, ...]:
    """The resource chain and method name the generator gives `operation`: `("customers", "delete")`."""
    from tools.codegen.render_context import method_path

    return method_path(operation.path, operation.method.lower(), operation.node)


# The delete of one customer: a DELETE on an item of the top-level `customers` resource, if the spec has one.
CUSTOMER_DELETE: Final = next((op for op in DELETES if resource_method(op)[:-1] == ("customers",)), None)
NO_CUSTOMER_DELETE: Final = "the spec declares no DELETE of a customer (deleteCustomer was removed)"
needs_customer_delete: Final = pytest.mark.skipif(CUSTOMER_DELETE is None, reason=NO_CUSTOMER_DELETE)


def customer_delete_params() -> list[Any]:
    """The pytest params of a test of deleting a customer: the spec's operation, or one skipped param."""
    if CUSTOMER_DELETE is None:
        return [pytest.param(None, id="no-delete", marks=pytest.mark.skip(reason=NO_CUSTOMER_DELETE))]
    return [pytest.param(CUSTOMER_DELETE, id=CUSTOMER_DELETE.operation_id)]


def bound_method(client: Any, operation: Operation, *, raw: bool = False) -> Callable[..., Any]:
    """`operation`'s method on a resource client, or on its resource's `with_raw_response` when `raw`."""
    *chain, name = resource_method(operation)
    resource = client
    for part in chain:
        resource = getattr(resource, part)
    method: Callable[..., Any] = getattr(resource.with_raw_response if raw else resource, name)
    return method


def generated_module_name(operation: Operation) -> str:
    """The name of `operation`'s generated module: `malomo_client.api.customers.delete_customer`."""
    from openapi_python_client.strings import snake_case

    tag = snake_case(operation.node["tags"][0])
    return f"malomo_client.api.{tag}.{snake_case(operation.operation_id)}"


def generated_module(operation: Operation) -> ModuleType:
    """The generated module of `operation`, imported."""
    return importlib.import_module(generated_module_name(operation))


def delete_customer(client: Any, customer_id: Any) -> None:
    """Cleanup: delete the customer with the resource client `client` when the spec declares how, else
    leave it (a test using this asserts nothing about the deletion)."""
    if CUSTOMER_DELETE is not None:
        bound_method(client, CUSTOMER_DELETE)(customer_id)


def send_delete(http: httpx.Client, operation: Operation, item_id: Any) -> httpx.Response:
    """`operation` sent over plain HTTP, `item_id` its path parameter."""
    return http.request(
        operation.method, operation.url_path(dict.fromkeys(operation.path_parameters, item_id))
    )
