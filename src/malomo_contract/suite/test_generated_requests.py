"""Property tests generated from the spec: every operation, valid and invalid requests, all applicable checks.

Built-in schemathesis checks run alongside the suite's own `error_answers_carry_status_and_request_id`.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from malomo_contract import openapi_schema
from malomo_contract.target import ContractTarget

schema = openapi_schema.active_schema()


@pytest.mark.usefixtures("id_pool")
@schema.parametrize()
def test_operation_keeps_the_contract(case: schemathesis.Case[Any], contract_target: ContractTarget) -> None:
    case.call_and_validate(
        base_url=contract_target.base_url,
        headers=contract_target.auth_headers,
    )
