"""Target selection, profiles, write safety and end-of-session cleanup for the contract suite.

No options: the embedded reference server on a free loopback port. `--base-url URL --api-key KEY`
(or MALOMO_BASE_URL / MALOMO_API_KEY): any other server, read-only unless `--allow-writes`.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from contract_tests import openapi_schema
from contract_tests.customer_records import CREATED, ID_POOL, tagged_email
from contract_tests.customers_api import CustomersApi
from contract_tests.list_cursors import CURSORS
from contract_tests.profiles import PROFILES, Profile
from contract_tests.target import WRITE_METHODS, ContractTarget, write_guard, writes_allowed

# Small pages on the embedded server, so that every walk crosses several page boundaries.
EMBEDDED_PAGE_SIZE = 5
# Customers the generated requests read and update, and customers their DELETEs may consume.
LIVE_POOL_SIZE = 3
DISPOSABLE_POOL_SIZE = 3
HTTP_TIMEOUT = httpx.Timeout(30.0)
# Fast, targeted tests first, so that `-x` stops at the clearest failure.
MODULE_ORDER = (
    "test_errors_and_auth",
    "test_customer_lifecycle",
    "test_pagination_walks",
    "test_generated_requests",
    "test_stateful_links",
)


@dataclass
class CleanupReport:
    """What the end-of-session cleanup did; shown in the terminal summary."""

    attempted: int = 0
    deleted: int = 0
    left_over: list[str] = field(default_factory=list)
    skipped_reason: str | None = None


CLEANUP_KEY = pytest.StashKey[CleanupReport]()
PROFILE_KEY = pytest.StashKey[Profile]()
SEED_KEY = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("malomo-contract", "Malomo contract suite")
    group.addoption(
        "--base-url",
        default=None,
        help="Server to test (env MALOMO_BASE_URL). Default: start the embedded reference server.",
    )
    group.addoption(
        "--api-key",
        default=None,
        help="Secret API key for --base-url (prefer env MALOMO_API_KEY: shell history keeps options).",
    )
    group.addoption(
        "--allow-writes",
        action="store_true",
        default=False,
        help="Allow create/update/delete against a server that is not on this machine.",
    )
    group.addoption(
        "--profile",
        default="default",
        choices=sorted(PROFILES),
        help="How hard to push: " + "; ".join(f"{p.name}: {p.description}" for p in PROFILES.values()),
    )
    group.addoption(
        "--contract-seed",
        type=int,
        default=None,
        help="Seed for generated requests; the header of every run shows the one it used.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "writes: the test creates, updates or deletes customers")
    profile = PROFILES[config.getoption("--profile")]
    seed = config.getoption("--contract-seed")
    if seed is None:
        seed = random.SystemRandom().getrandbits(32)
    config.stash[PROFILE_KEY] = profile
    config.stash[SEED_KEY] = seed
    base_url = _option_or_env(config, "--base-url", "MALOMO_BASE_URL")
    read_only = not writes_allowed(base_url, bool(config.getoption("--allow-writes")))
    openapi_schema.activate(profile, seed, read_only=read_only)


def pytest_report_header(config: pytest.Config) -> list[str]:
    profile = config.stash[PROFILE_KEY]
    base_url = _option_or_env(config, "--base-url", "MALOMO_BASE_URL")
    where = base_url or "embedded reference server on a free loopback port"
    return [
        f"malomo contract target: {where}",
        f"malomo contract profile: {profile.name} ({profile.description}); "
        f"seed {config.stash[SEED_KEY]} (rerun with --contract-seed {config.stash[SEED_KEY]})",
    ]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.module.__name__.rpartition(".")[2] if isinstance(item, pytest.Function) else ""
        return MODULE_ORDER.index(module) if module in MODULE_ORDER else len(MODULE_ORDER)

    items.sort(key=rank)


def _option_or_env(config: pytest.Config, option: str, env: str) -> str | None:
    value: str | None = config.getoption(option)
    return value or os.environ.get(env) or None


@pytest.fixture(scope="session")
def profile(pytestconfig: pytest.Config) -> Profile:
    return pytestconfig.stash[PROFILE_KEY]


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> Iterator[ContractTarget]:
    """The server under test for the whole session."""
    base_url = _option_or_env(pytestconfig, "--base-url", "MALOMO_BASE_URL")
    api_key = _option_or_env(pytestconfig, "--api-key", "MALOMO_API_KEY")
    allow_writes = bool(pytestconfig.getoption("--allow-writes"))
    if base_url is not None:
        if not api_key:
            raise pytest.UsageError("--base-url needs --api-key (or MALOMO_API_KEY)")
        yield ContractTarget(base_url.rstrip("/"), api_key, embedded=False, allow_writes_flag=allow_writes)
        return
    from malomo_mock import running

    with running(page_size=EMBEDDED_PAGE_SIZE) as server:
        yield ContractTarget(server.base_url, server.api_key, embedded=True, allow_writes_flag=allow_writes)


@pytest.fixture(scope="session")
def http_client(contract_target: ContractTarget) -> Iterator[httpx.Client]:
    """The suite's client, carrying the key. On a read-only target it refuses to send any write at all."""
    with httpx.Client(
        base_url=contract_target.base_url,
        headers=contract_target.auth_headers,
        timeout=HTTP_TIMEOUT,
        event_hooks={"request": [write_guard(contract_target)]},
    ) as client:
        yield client


@pytest.fixture(scope="session")
def api(http_client: httpx.Client) -> CustomersApi:
    return CustomersApi(http_client)


@pytest.fixture(scope="session", autouse=True)
def delete_created_customers(pytestconfig: pytest.Config, contract_target: ContractTarget) -> Iterator[None]:
    """Delete, at session end and whatever happened, every customer the session created."""
    report = CleanupReport()
    pytestconfig.stash[CLEANUP_KEY] = report
    yield
    ids = CREATED.snapshot()
    report.attempted = len(ids)
    with httpx.Client(
        base_url=contract_target.base_url, headers=contract_target.auth_headers, timeout=HTTP_TIMEOUT
    ) as client:
        for customer_id in ids:
            try:
                status = client.delete(f"/customers/{customer_id}").status_code
            except httpx.HTTPError:
                status = 0
            if status in (204, 404):
                report.deleted += status == 204
                CREATED.discard(customer_id)
            else:
                report.left_over.append(customer_id)


@pytest.fixture(autouse=True)
def skip_writes_on_read_only_target(request: pytest.FixtureRequest, contract_target: ContractTarget) -> None:
    """On a server elsewhere, tests that write are skipped unless `--allow-writes` is given."""
    if contract_target.allows_writes:
        return
    operation = getattr(request.node, "operation_label", None)
    writes = request.node.get_closest_marker("writes") is not None or (
        isinstance(operation, str) and operation.partition(" ")[0].upper() in WRITE_METHODS
    )
    if writes:
        pytest.skip(f"writes to {contract_target.base_url} need --allow-writes")


@pytest.fixture(scope="session")
def id_pool(api: CustomersApi, contract_target: ContractTarget) -> Iterator[None]:
    """Fill the pools of real ids (created customers, or the first listed ones) and of real cursors
    that generated requests use."""
    if contract_target.allows_writes:
        live = [api.create_customer("pool")["id"] for _ in range(LIVE_POOL_SIZE)]
        disposable = [api.create_customer("disposable")["id"] for _ in range(DISPOSABLE_POOL_SIZE)]

        def refill() -> str | None:
            response = api.create({"email": tagged_email("disposable")})
            return str(response.json()["id"]) if response.status_code == 200 else None

        ID_POOL.bind(live, disposable, refill)
    else:
        response = api.list_customers()
        listed = response.json() if response.status_code == 200 else []
        ID_POOL.bind(
            [str(item["id"]) for item in listed[:LIVE_POOL_SIZE] if isinstance(item, dict)], [], None
        )
    first_page = api.list_customers()
    if first_page.status_code == 200:
        CURSORS.harvest("customers", first_page.headers)
    yield
    ID_POOL.unbind()
    CURSORS.clear()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    report = config.stash.get(CLEANUP_KEY, None)
    if report is None or report.attempted == 0:
        return
    line = (
        f"malomo contract cleanup: deleted {report.deleted} of {report.attempted} customers the suite created"
    )
    terminalreporter.write_sep("-", line)
    if report.left_over:
        terminalreporter.write_line(
            f"could not delete {len(report.left_over)} customers (their emails start with "
            f"'malomo-contract-test'): {', '.join(report.left_over[:20])}",
            red=True,
        )
