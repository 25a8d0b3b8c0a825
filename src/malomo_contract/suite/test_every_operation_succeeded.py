"""The run's last check: on a target that allows writes, every operation of the spec that this run sent
generated requests to was answered with a documented success status at least once. An operation no server
code handles (answered 404, a documented status, to everything) fails here, named.
"""

from __future__ import annotations

from collections import Counter

import pytest

from malomo_contract.customers_api import ContractViolation
from malomo_contract.run_state import run_state
from malomo_contract.spec_contract import operations
from malomo_contract.target import ContractTarget


def test_every_operation_was_answered_with_success(
    contract_target: ContractTarget, pytestconfig: pytest.Config
) -> None:
    tally = run_state(pytestconfig).tally
    if not contract_target.allows_writes:
        pytest.skip("a read-only target cannot be asked to succeed at writes")
    checked = [call for call in operations() if call.label in tally.generated]
    if not checked:
        pytest.skip("no generated requests were collected in this run")
    never = []
    for call in checked:
        seen = tally.statuses.get(call.label, Counter[int]())
        if not any(status in call.success_statuses for status in seen):
            answers = ", ".join(f"{status} x{count}" for status, count in sorted(seen.items()))
            expected = "/".join(map(str, call.success_statuses))
            never.append(f"{call.operation_id} was never answered {expected} ({answers or 'no answer'})")
    if never:
        raise ContractViolation("; ".join(never))
