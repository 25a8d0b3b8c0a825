"""The reference server as a Starlette app: one route per path of the spec, each dispatching to the handlers
of `customer_handlers.py` through `path_resource.py`. An operation of the spec without a handler answers 501
and is listed in `app.state.unimplemented`; a handler whose operation the spec lacks (one removed from it) is
listed in `app.state.orphaned` and logged as a warning at start-up.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Route

from malomo_mock.customer_handlers import CustomersApi
from malomo_mock.customers_store import CustomersStore
from malomo_mock.error_answers import RequestIdMiddleware
from malomo_mock.openapi_contract import Contract, SpecError, load_contract
from malomo_mock.path_resource import Handler, PathResource, not_found, not_implemented
from malomo_mock.seed_file import read_seed
from malomo_mock.store_database import LOCK_TIMEOUT_SECONDS
from malomo_spec import HTTP_METHODS

LOG = logging.getLogger("malomo_mock")


def create_app(
    api_key: str | None = None,
    db: str | Path = ":memory:",
    page_size: int = 25,
    seed: Path | None = None,
    spec: Path | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> Starlette:
    """The reference server as a Starlette app over a new store (`db`: `:memory:` or a SQLite file path),
    serving the OpenAPI document `spec` (the packaged spec by default).

    `api_key` None generates one (read it back from `app.state.api_key`). A bad `seed` raises `SeedError`,
    a spec the server cannot serve `SpecError`. A write waits `lock_timeout` seconds for a lock another
    process holds on `db`, then answers 503 with `Retry-After`. `app.state.unimplemented` lists the
    operationIds of the spec without a handler (they answer 501); `app.state.coverage` says so in one line
    (None when every operation has one).
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    contract = load_contract(Path(spec)) if spec is not None else load_contract()
    # A generated key has the shape of Malomo's test keys.
    key = api_key if api_key is not None else f"sk_test_{secrets.token_urlsafe(24)}"
    store = CustomersStore(str(db), contract, lock_timeout)
    try:
        if seed is not None:
            store.insert_seed(read_seed(Path(seed), contract))
        handlers = CustomersApi(store, page_size, contract).handlers()
        for operation in contract.operations:
            if operation.unservable is not None and operation.operation_id in handlers:
                raise SpecError(operation.unservable)
    except Exception:
        store.close()
        raise
    app = Starlette(routes=_routes(contract, key, handlers))
    app.router.redirect_slashes = False
    app.router.default = not_found
    app.add_middleware(RequestIdMiddleware)
    app.state.api_key = key
    app.state.store = store
    app.state.unimplemented = [
        op.operation_id for op in contract.operations if op.operation_id not in handlers
    ]
    served = {op.operation_id for op in contract.operations}
    app.state.orphaned = sorted(operation_id for operation_id in handlers if operation_id not in served)
    app.state.coverage = _coverage(len(contract.operations), app.state.unimplemented, app.state.orphaned)
    if app.state.orphaned:
        LOG.warning("malomo-mock: %s", app.state.coverage)
    return app


def _routes(contract: Contract, api_key: str, handlers: Mapping[str, Handler]) -> list[Route]:
    """One route per path of the spec, its methods in the spec's order of HTTP methods."""
    routes = []
    for path, operations in contract.paths().items():
        methods = sorted(operations, key=lambda method: HTTP_METHODS.index(method.lower()))
        served = {
            method: (
                operations[method],
                handlers.get(operations[method].operation_id)
                or not_implemented(operations[method].operation_id),
            )
            for method in methods
        }
        routes.append(Route(path, PathResource(api_key, contract, served)))
    return routes


def _coverage(total: int, unimplemented: list[str], orphaned: list[str]) -> str | None:
    """The start-up line about operations without a handler and handlers without an operation; None when
    every operation has one and every handler serves one."""
    parts = []
    if unimplemented:
        served = total - len(unimplemented)
        parts.append(f"serves {served} of {total} operations; not implemented: {', '.join(unimplemented)}")
    if orphaned:
        parts.append(
            f"handlers for operations the spec does not have (never called; remove them from"
            f" customer_handlers.py): {', '.join(orphaned)}"
        )
    return "; ".join(parts) or None
