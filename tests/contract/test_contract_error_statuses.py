"""The suite's error-body check reads which statuses carry the `Error` body from the spec: a status the spec
gains is checked without touching the suite (a copy of the spec gains a 409 on createCustomer; a server
answers it with a malformed error body, over HTTP)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup

from malomo_contract.contract_checks import error_answers_carry_status_and_request_id
from malomo_contract.spec_contract import ERROR_SCHEMA, SPEC_PATH, error_statuses, operation, spec
from malomo_mock import RunningServer, running
from malomo_spec import dump_yaml, parse

# A status no operation of the packaged spec documents, added to one operation of the edited copy.
ADDED_STATUS = 409
CREATE = operation("createCustomer")


def _edited_spec() -> dict[str, Any]:
    """A copy of the spec whose createCustomer documents ADDED_STATUS with the `Error` body."""
    edited = copy.deepcopy(dict(spec().tree))
    assert str(ADDED_STATUS) not in CREATE.responses
    edited["paths"][CREATE.path][CREATE.method.lower()]["responses"][str(ADDED_STATUS)] = {
        "description": "The customer already exists.",
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}},
        },
    }
    return edited


def _answer_with_a_malformed_error(app: Any) -> Any:
    """The reference server, except that a create is answered ADDED_STATUS with an error body that has only
    a `code` (no message, request_id or status)."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) != (CREATE.method, CREATE.path):
            await app(scope, receive, send)
            return
        body = json.dumps({"code": "conflict"}).encode()
        headers = [(b"content-type", b"application/json"), (b"x-request-id", b"req_edited")]
        await send({"type": "http.response.start", "status": ADDED_STATUS, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


@pytest.fixture(scope="module")
def edited_spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("edited-spec") / "malomo.yaml"
    path.write_text(dump_yaml(_edited_spec()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def conflicting_server(edited_spec_path: Path) -> Iterator[RunningServer]:
    with running(spec=edited_spec_path, wrap_app=_answer_with_a_malformed_error) as server:
        yield server


def _create_case(spec_path: Path) -> Any:
    """A valid create request of the spec at `spec_path`, as schemathesis builds them for generated tests."""
    create = schemathesis.openapi.from_path(spec_path)[CREATE.path][CREATE.method]
    return create.Case(body=dict(CREATE.body_example()), media_type="application/json")


def test_error_statuses_are_the_documented_statuses_with_the_error_body(edited_spec_path: Path) -> None:
    edited = parse(edited_spec_path.read_text(encoding="utf-8"))
    node = edited.tree["paths"][CREATE.path][CREATE.method.lower()]
    assert error_statuses(edited, node) == CREATE.error_statuses | {ADDED_STATUS}


def test_error_body_check_applies_to_a_status_the_spec_gains(
    edited_spec_path: Path, conflicting_server: RunningServer
) -> None:
    headers = {"Authorization": f"Bearer {conflicting_server.api_key}"}
    case = _create_case(edited_spec_path)
    response = case.call(base_url=conflicting_server.base_url, headers=headers)
    assert response.status_code == ADDED_STATUS
    with pytest.raises(FailureGroup) as raised:
        case.validate_response(response, checks=[error_answers_carry_status_and_request_id])
    assert error_answers_carry_status_and_request_id.__name__ in raised.value.message
    assert f"the {ADDED_STATUS} error body has no `message` string" in raised.value.message
    # The same answer to the same request of the packaged spec, which has no such status: not checked.
    _create_case(SPEC_PATH).validate_response(response, checks=[error_answers_carry_status_and_request_id])
