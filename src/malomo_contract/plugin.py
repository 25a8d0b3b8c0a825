"""The contract suite's options, target, write safety, id and cursor pools, test order and summary.

Without `--base-url` (or MALOMO_BASE_URL) the embedded reference server is tested; any other server is
read-only unless `--allow-writes`. `--recording FILE` checks a HAR file instead (see recorded_traffic.py).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import httpx
import hypothesis.core
import pytest
from schemathesis.core.result import Ok

from malomo_contract import (
    openapi_schema,
    paging_summary,
    promise_inventory,
    recorded_traffic,
    suite_options,
)
from malomo_contract.coverage.collector import ContractCoverage
from malomo_contract.coverage.reproductions import reproduction_sections
from malomo_contract.customer_records import CleanupReport, delete_created_customers
from malomo_contract.customers_api import CustomersApi
from malomo_contract.pool_seeding import seed_pools
from malomo_contract.profiles import PROFILES, Profile, schemathesis_config
from malomo_contract.report import render_html, render_markdown
from malomo_contract.run_state import RUN_STATE_KEY, RunState, run_state
from malomo_contract.target import WRITE_METHODS, ContractTarget, seconds_between_requests

REPORTS = {"--report": render_html, "--report-md": render_markdown}
# Fast, targeted tests first, so that `-x` stops at the clearest failure.
MODULE_ORDER = (
    "test_errors_and_auth",
    "test_customer_lifecycle",
    "test_boundaries",
    "test_http_semantics",
    "test_promise_spaces",
    "test_spec_edit_promises",
    "test_pagination_walks",
    "test_generated_requests",
    "test_stateful_links",
    # Last: it reads what every test before it was answered.
    "test_every_operation_succeeded",
)


CLEANUP_KEY = pytest.StashKey[CleanupReport]()
PROFILE_KEY = pytest.StashKey[Profile]()
SEED_KEY = pytest.StashKey[int]()
# The target the options ask for (made in pytest_configure), and the one serving (made by `contract_target`).
TARGET_KEY = pytest.StashKey[ContractTarget]()
STARTED_TARGET_KEY = pytest.StashKey[ContractTarget]()
# The reproduction sections of a failed test, for `pytest_exception_interact`.
REPRODUCTION_KEY = pytest.StashKey[dict[str, str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    suite_options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "writes: the test creates, updates or deletes customers")
    recorded_traffic.configure(config)
    state = config.stash[RUN_STATE_KEY] = RunState()
    state.coverage.redactor.masking = not config.getoption("--no-mask")
    profile = PROFILES[config.getoption("--profile")]
    seed = config.getoption("--contract-seed")
    if seed is None:
        seed = random.SystemRandom().getrandbits(32)
    if config.getoption("--hypothesis-seed", None) is None:
        # The seed for every Hypothesis test too (what `--hypothesis-seed` sets): with schemathesis' seed
        # alone, how the generated requests split between the operations varied from run to run.
        hypothesis.core.global_force_seed = seed
    config.stash[PROFILE_KEY] = profile
    config.stash[SEED_KEY] = seed
    rate_limit = config.getoption("--rate-limit")
    if rate_limit is not None:
        try:
            seconds_between_requests(rate_limit)
        except ValueError as exc:
            raise pytest.UsageError(f"--rate-limit: {exc}") from None
    page_size = config.getoption("--embedded-page-size")
    if page_size < 1:
        raise pytest.UsageError(f"--embedded-page-size: must be at least 1, not {page_size}")
    target = config.stash[TARGET_KEY] = ContractTarget.from_options(
        config.getoption("--base-url") or os.environ.get("MALOMO_BASE_URL") or None,
        config.getoption("--api-key") or os.environ.get("MALOMO_API_KEY"),
        bool(config.getoption("--allow-writes")),
        rate_limit,
        embedded_page_size=page_size,
    )
    schema = openapi_schema.activate(
        schemathesis_config(profile, seed, read_only=not target.allows_writes, rate_limit=rate_limit), state
    )
    if _reports(config) and not recorded_traffic.is_active(config):
        state.coverage.start(
            (
                operation.label,
                str(operation.definition.raw.get("operationId", "")),
                tuple(str(status) for status in operation.definition.raw.get("responses", {})),
            )
            for result in schema.get_all_operations()
            if isinstance(result, Ok) and (operation := result.ok())
        )
        state.coverage.inventory = promise_inventory.inventory()
        state.coverage.summary.profile = profile.name
        state.coverage.summary.seed = seed


def pytest_unconfigure(config: pytest.Config) -> None:
    openapi_schema.deactivate()
    if config.getoption("--hypothesis-seed", None) is None:
        hypothesis.core.global_force_seed = None


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        coverage = run_state(items[0].config).coverage
        if coverage.active:
            coverage.summary.outcomes["deselected"] += len(items)


def _reports(config: pytest.Config) -> list[tuple[Path, Callable[[ContractCoverage], str]]]:
    return [(Path(path), render) for option, render in REPORTS.items() if (path := config.getoption(option))]


def pytest_report_header(config: pytest.Config) -> list[str]:
    if recorded_traffic.is_active(config):
        return recorded_traffic.report_header(config)
    profile, seed, target = config.stash[PROFILE_KEY], config.stash[SEED_KEY], config.stash[TARGET_KEY]
    where = "embedded reference server on a free loopback port" if target.embedded else target.base_url
    return [
        f"malomo contract target: {where}",
        f"malomo contract profile: {profile.name} ({profile.description}); "
        f"seed {seed} (rerun with --contract-seed {seed})",
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Write safety: on a target that does not allow writes, every test that writes is skipped; a test writes
    when it has the `writes` mark or sends generated requests to an operation that writes. Then the order."""
    target = config.stash[TARGET_KEY]
    run_state(config).tally.generated.update(
        label for item in items if isinstance(label := getattr(item, "operation_label", None), str)
    )
    for item in items:
        operation = getattr(item, "operation_label", None)
        writes = item.get_closest_marker("writes") is not None or (
            isinstance(operation, str) and operation.partition(" ")[0].upper() in WRITE_METHODS
        )
        if writes and not target.allows_writes:
            item.add_marker(pytest.mark.skip(reason=f"writes to {target.base_url} need --allow-writes"))

    def rank(item: pytest.Item) -> int:
        module = item.module.__name__.rpartition(".")[2] if isinstance(item, pytest.Function) else ""
        return MODULE_ORDER.index(module) if module in MODULE_ORDER else len(MODULE_ORDER)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def profile(pytestconfig: pytest.Config) -> Profile:
    return pytestconfig.stash[PROFILE_KEY]


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> Iterator[ContractTarget]:
    """The server under test for the whole session. At its end, whatever happened, every customer the
    session created is deleted: that undoes the session's own writes, so it is allowed on any target."""
    requested = pytestconfig.stash[TARGET_KEY]
    if not requested.embedded and not requested.api_key:
        raise pytest.UsageError("--base-url needs --api-key (or MALOMO_API_KEY)")
    with requested.started() as target:
        pytestconfig.stash[STARTED_TARGET_KEY] = target
        coverage = run_state(pytestconfig).coverage
        coverage.redactor.add_secret(target.api_key)
        coverage.summary.target = target.describe()
        yield target
        with target.client(for_cleanup=True) as client:
            pytestconfig.stash[CLEANUP_KEY] = delete_created_customers(
                client, run_state(pytestconfig).created
            )


@pytest.fixture(scope="session")
def http_client(contract_target: ContractTarget, pytestconfig: pytest.Config) -> Iterator[httpx.Client]:
    """The suite's client, carrying the key and counting every answer for the run. On a read-only target it
    refuses to send any write at all."""
    observers = run_state(pytestconfig).observers(contract_target.base_url)
    with contract_target.client(observers=observers) as client:
        yield client


@pytest.fixture(scope="session")
def api(http_client: httpx.Client, pytestconfig: pytest.Config) -> CustomersApi:
    return CustomersApi(http_client, run_state(pytestconfig).created)


@pytest.fixture(scope="session")
def id_pool(
    api: CustomersApi, contract_target: ContractTarget, pytestconfig: pytest.Config
) -> Iterator[None]:
    """Seed the pools of real path parameters and real cursors that generated requests use: what each create
    operation of the spec answers (on a target that allows writes; some kept for reads, some for DELETEs),
    then the first page of every list reachable with what is known."""

    state = run_state(pytestconfig)
    seed_pools(api, state, allows_writes=contract_target.allows_writes)
    yield
    state.parameters.unbind()
    state.cursors.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    coverage = run_state(item.config).coverage
    coverage.begin_test(item.nodeid)
    try:
        return (yield)
    finally:
        coverage.end_test()
        # A gateway answering in the API's place: the rest of the run would test nothing.
        stop = coverage.origins.could_not_test()
        if stop is not None:
            pytest.exit(stop, returncode=pytest.ExitCode.INTERRUPTED)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    state = run_state(item.config)
    failure = state.coverage.end_phase(item, call, report, state.created)
    if failure is not None:
        # No later generated request may update or delete what the reproduction needs.
        state.parameters.withhold(failure.names)
    if failure is not None and failure.curl:
        # In the terminal and the JUnit file, after the traceback.
        sections = reproduction_sections(failure)
        item.stash[REPRODUCTION_KEY] = sections
        add = getattr(report.longrepr, "addsection", None)
        for title, text in sections.items():
            if text and add is not None:
                add(title, text)
            elif text:
                report.sections.append((title, text))
    return report


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(
    node: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> None:
    """schemathesis replaces the terminal's traceback of its failures with plain text after the JUnit file
    took it (in its own `pytest_exception_interact`): put the reproduction back after it."""
    sections = node.stash.get(REPRODUCTION_KEY, None)
    if sections and isinstance(report.longrepr, str):
        report.longrepr += "".join(
            f"\n{f' {title} ':-^80}\n{text}" for title, text in sections.items() if text
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    coverage = run_state(session.config).coverage
    if not coverage.active:
        return
    coverage.summary.exit_status = int(exitstatus)
    coverage.summary.paging = [
        note.removeprefix(paging_summary.PREFIX) for note in paging_summary.summary_lines(session.config)
    ]
    for path, render in _reports(session.config):
        path.write_text(render(coverage), encoding="utf-8")
        # The bodies too long for a curl line, which its `--data-binary @FILE` sends from beside the report.
        for record in coverage.failure_records():
            for name, body in record.bodies.items():
                (path.parent / name).write_text(body, encoding="utf-8")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if run_state(config).coverage.active:
        for path, _ in _reports(config):
            terminalreporter.write_line(f"malomo contract coverage report: {path}")
    target = config.stash.get(STARTED_TARGET_KEY, None)
    if target is not None:
        terminalreporter.write_line(f"malomo contract target was {target.describe()}")
    for line in paging_summary.summary_lines(config):
        terminalreporter.write_line(line)
    kept = run_state(config).coverage.kept
    if kept:
        terminalreporter.write_line(
            f"malomo contract: left {len(kept)} customers the failing tests used in place (not cleaned up), "
            f"so that their reproductions reproduce: {', '.join(kept[:20])}",
            yellow=True,
        )
    report = config.stash.get(CLEANUP_KEY, None)
    for line in report.left_behind() if report is not None else ():
        terminalreporter.write_line(f"malomo contract cleanup: {line}", yellow=True)
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
