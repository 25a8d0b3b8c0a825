"""The pools generated requests draw real path parameters and cursors from, seeded at the start of a session:
what each create operation of the spec answers, then the first page of every list reachable with what is
known."""

from __future__ import annotations

from malomo_contract.customers_api import CustomersApi, json_or_none
from malomo_contract.list_cursors import list_key
from malomo_contract.run_state import RunState
from malomo_contract.spec_contract import Operation, operations
from malomo_contract.spec_values import valid_body

# Customers the generated requests read and update, and customers their DELETEs may consume.
LIVE_POOL_SIZE = 3
DISPOSABLE_POOL_SIZE = 3


def seed_pools(api: CustomersApi, state: RunState, allows_writes: bool) -> None:
    """Seed `state`'s pools: created records (on a target that allows writes; some kept for reads, some for
    DELETEs, refilled on demand), then the first page of every list and its cursors."""
    pool = state.parameters

    def seed(call: Operation, label: str, disposable: bool) -> None:
        # Tolerant: a server that breaks create still gets its property tests, which say how.
        response = api.http.post(call.path, json=valid_body(call, label))
        api.created.add_created_by(response)
        if response.status_code == 200:
            pool.learn(call, {}, json_or_none(response), seeded=True, disposable=disposable)

    creates = [call for call in operations() if call.method == "POST" and not call.path_parameters]

    def refill() -> None:
        for call in creates:
            seed(call, "disposable", True)

    pool.bind(refill)
    if allows_writes:
        for call in creates:
            for _ in range(LIVE_POOL_SIZE):
                seed(call, "pool", False)
            for _ in range(DISPOSABLE_POOL_SIZE):
                seed(call, "disposable", True)
    lists = sorted(
        (call for call in operations() if call.is_list), key=lambda call: len(call.path_parameters)
    )
    for call in lists:
        known = pool.parameters(call.operation_id, disposable=False) if call.path_parameters else [{}]
        for parameters in known[:LIVE_POOL_SIZE]:
            response = api.http.get(call.url_path(parameters))
            if response.status_code == 200:
                pool.learn(call, parameters, json_or_none(response))
                key = list_key("GET", call.url_path(parameters))
                if key is not None:
                    state.cursors.harvest(key, response.headers.get_list("link"))
