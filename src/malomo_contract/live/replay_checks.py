"""The contract's own checks on each replayed answer (`traffic.exchange_checks`), run by a worker process
while the replay goes on sending: they cost more CPU than the sending, and the order of the answers does not
depend on them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NewAnswer:
    """A replayed request and its new answer, as the worker gets them."""

    index: int
    operation_id: str
    path: str
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes


@functools.cache
def _schema() -> Any:
    import schemathesis

    from malomo_contract.spec_contract import SPEC_PATH

    return schemathesis.openapi.from_path(SPEC_PATH)


def contract_messages(answer: NewAnswer) -> list[str]:
    """One line per promise of the contract the new answer breaks (empty when it keeps them)."""
    from malomo_contract.spec_contract import operation
    from malomo_contract.traffic.exchange_checks import server_violations
    from malomo_contract.traffic.exchanges import Exchange

    called = operation(answer.operation_id)
    again = Exchange(
        source="replay",
        index=answer.index,
        method=answer.method,
        url=answer.url,
        request_headers=answer.request_headers,
        request_body=answer.request_body,
        status=answer.status,
        response_headers=answer.response_headers,
        response_body=answer.response_body,
    )
    again.attach(called, called.match(called.method, answer.path) or {}, _schema())
    return [f"contract: {' '.join(violation.message.split())}" for violation in server_violations(again)]
