"""Recorded traffic against the contract: one test per recorded exchange that matches an operation.

Collected only with `--recording FILE`; it starts no server and sends nothing.
"""

from __future__ import annotations

import pytest

from malomo_contract.recorded_traffic import Exchange, checked_exchanges, exchange_failures


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "exchange" in metafunc.fixturenames:
        pairs = list(checked_exchanges(metafunc.config))
        metafunc.parametrize("exchange", [e for _, e in pairs], ids=[test_id for test_id, _ in pairs])


def test_recorded_exchange_keeps_the_contract(exchange: Exchange) -> None:
    failures = exchange_failures(exchange)
    if failures:
        pytest.fail(f"{exchange.source} {exchange.label}\n\n" + "\n\n".join(failures), pytrace=False)
