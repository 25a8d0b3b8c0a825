"""Stateful scenarios along the spec's explicit links from createCustomer (get, update, delete, events).

Link inference is off (see `profiles.py`): only the links the spec declares are followed.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.generation.stateful.state_machine import APIStateMachine

from malomo_contract import openapi_schema
from malomo_contract.profiles import Profile
from malomo_contract.target import ContractTarget

pytestmark = pytest.mark.writes


def workflow_against(target: ContractTarget) -> type[APIStateMachine]:
    """The spec's state machine, sending to `target` with its key."""
    base: type[APIStateMachine] = openapi_schema.active_schema().as_state_machine()

    class CustomerWorkflow(base):  # type: ignore[valid-type,misc]
        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"base_url": target.base_url, "headers": target.auth_headers}

        def validate_response(
            self,
            response: schemathesis.Response,
            case: schemathesis.Case[Any],
            additional_checks: list[Any] | None = None,
            **kwargs: Any,
        ) -> None:
            # `headers` tells `ignored_auth` the key is ours (not generated), so it probes without it.
            case.validate_response(
                response,
                additional_checks=additional_checks,
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    return CustomerWorkflow


def test_linked_operations_keep_the_contract(contract_target: ContractTarget, profile: Profile) -> None:
    workflow = workflow_against(contract_target)
    workflow.run(
        settings=hypothesis.settings(
            max_examples=profile.stateful_scenarios,
            stateful_step_count=profile.stateful_max_steps,
            deadline=None,
            database=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
