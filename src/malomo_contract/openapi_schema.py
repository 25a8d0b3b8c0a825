"""The spec as schemathesis sees it: loaded with the active profile, and hooks, bound to the run's state, that
put real path parameters, real cursors and undeliverable emails into generated requests and record what
they create.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import CheckResult
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

# Imported for its registered schemathesis check, which every generated request then runs.
from malomo_contract import contract_checks  # noqa: F401
from malomo_contract.customer_records import looks_like_uuid, safe_email
from malomo_contract.list_cursors import CURSOR_PARAMS, CursorPool, list_key
from malomo_contract.profiles import PROFILES, schemathesis_config
from malomo_contract.record_fields import EMAIL_FIELD
from malomo_contract.run_state import RunState
from malomo_contract.spec_contract import cursor_parameters, operation
from malomo_spec import DEFAULT_SPEC

# The spec malomo_spec ships (a symlink to openapi/malomo.yaml in the checkout, a file when installed).
SPEC_PATH = DEFAULT_SPEC
# One generated path id in this many is left as generated (an unknown id, answered with 404).
KEEP_GENERATED_ID_ONE_IN = 4


def _path_parameters_hook(state: RunState) -> Callable[..., st.SearchStrategy[Any]]:
    def flatmap_path_parameters(
        context: schemathesis.HookContext, path_parameters: Any
    ) -> st.SearchStrategy[Any]:
        """Replace most well-formed generated path parameters with ones that exist, so operations get past
        404. Malformed ids (negative generation) are left alone. DELETE only ever gets disposable ones."""
        if not isinstance(path_parameters, dict) or not path_parameters or context.operation is None:
            return st.just(path_parameters)
        operation_id = str(context.operation.definition.raw.get("operationId", ""))
        formats = operation(operation_id).path_formats
        if not all(
            formats.get(name) != "uuid" or looks_like_uuid(value) for name, value in path_parameters.items()
        ):
            return st.just(path_parameters)
        deleting = context.operation.method.lower() == "delete"

        def pick(choice: tuple[int, int]) -> Any:
            # The pool is read here, after the draws: what Hypothesis draws must not depend on it (it
            # changes as requests create and delete), or it reports the strategy as flaky.
            roll, index = choice
            known = state.parameters.parameters(operation_id, disposable=deleting)
            # Hypothesis favours 0, its simplest value: 0 must mean "a real one", or few requests get one.
            if roll == KEEP_GENERATED_ID_ONE_IN - 1 or not known:
                return path_parameters
            return {**path_parameters, **known[index % len(known)]}

        return st.tuples(st.integers(0, KEEP_GENERATED_ID_ONE_IN - 1), st.integers(0, 1023)).map(pick)

    return flatmap_path_parameters


def _is_well_formed_cursor(name: str, value: object) -> bool:
    """`value` fits the cursor parameter `name`'s schema (its length limits)."""
    schema = cursor_parameters()[name]
    if not isinstance(value, str) or len(value) < int(schema.get("minLength", 0)):
        return False
    return "maxLength" not in schema or len(value) <= int(schema["maxLength"])


def _before_call_hook(state: RunState) -> Callable[..., None]:
    def before_call(
        context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: dict[str, Any]
    ) -> None:
        """Make generated requests safe and meaningful just before they are sent.

        Schemathesis re-validates the case after this hook, so its positive/negative label stays true.
        """
        _send_undeliverable_emails(case)
        _send_issued_cursors(case, state.cursors)

    return before_call


def _send_undeliverable_emails(case: schemathesis.Case[Any]) -> None:
    """Move generated addresses (`x@abc.com` could be a real mailbox) under the suite's example.com domain."""
    body = case.body
    email = body.get(EMAIL_FIELD) if isinstance(body, dict) else None
    if isinstance(body, dict) and isinstance(email, str) and "@" in email:
        body[EMAIL_FIELD] = safe_email(email)


def _send_issued_cursors(case: schemathesis.Case[Any], cursors: CursorPool) -> None:
    """Swap well-formed generated cursors for ones the server issued for that list (or drop them).

    A cursor is opaque and only the server can make one; a generated one is rightly refused with 400,
    which would read as a valid request rejected. Malformed cursors (negative generation) stay.
    """
    query = case.query
    key = list_key(case.operation.method, case.formatted_path)
    if not query or key is None:
        return
    sent = [name for name in CURSOR_PARAMS if _is_well_formed_cursor(name, query.get(name))]
    for extra in sent[1:]:
        # The spec allows one cursor at a time (`next` or `prev`); both at once is a malformed request.
        del query[extra]
    sent = sent[:1]
    for name in sent:
        issued = cursors.cursors(key, name)
        if issued:
            query[name] = issued[sum(map(ord, str(query[name]))) % len(issued)]
        else:
            del query[name]


def _after_call_hook(state: RunState) -> Callable[..., None]:
    def after_call(
        context: schemathesis.HookContext, case: schemathesis.Case[Any], response: schemathesis.Response
    ) -> None:
        """Record customers created by generated requests (deleted at session end), learn the path
        parameters an answer makes reachable and forget deleted ones, keep the cursors of list answers, and
        count the answer for the every-operation check and the coverage report."""
        state.coverage.record_generated(case, response.status_code)
        state.tally.count(case.operation.label, response.status_code)
        method = case.operation.method.lower()
        key = list_key(method, case.formatted_path)
        if key is not None and response.status_code == 200:
            state.cursors.harvest(key, response.headers.get("link", []))
        if method == "post":
            state.created.add_created_by(response)
        parameters = {name: str(value) for name, value in (case.path_parameters or {}).items()}
        if method == "delete" and 200 <= response.status_code < 300 and parameters:
            deleted = list(parameters.values())[-1]
            state.created.discard(deleted)
            state.parameters.forget(deleted)
        elif 200 <= response.status_code < 300:
            try:
                body = response.json()
            except ValueError:
                return
            called = operation(str(case.operation.definition.raw.get("operationId")))
            state.parameters.learn(called, parameters, body)

    return after_call


def _after_validate_hook(state: RunState) -> Callable[..., None]:
    def after_validate(
        context: schemathesis.HookContext,
        case: schemathesis.Case[Any],
        response: schemathesis.Response,
        results: list[CheckResult],
    ) -> None:
        """Count the checks that ran on a generated request, and their failures, for the coverage report."""
        state.coverage.record_checks(case, response, results)

    return after_validate


# The schema this run loaded, and its process-wide `before_call` hook. A module global because schemathesis'
# pytest integration parametrizes the test modules when they are imported, before any fixture or the stash
# can be reached; everything else the run keeps is in `run_state.RunState`.
_active: tuple[OpenApiSchema, Callable[..., None]] | None = None


def activate(config: SchemathesisConfig, state: RunState) -> OpenApiSchema:
    """Load the schema for this run (test modules pick it up with `active_schema()` when collected) and hook
    `before_call` into schemathesis, where it can only be process-wide. `deactivate` undoes both."""
    global _active
    deactivate()
    before_call = _before_call_hook(state)
    _active = (load_schema(config, state), before_call)
    schemathesis.hook(before_call)
    return _active[0]


def deactivate() -> None:
    global _active
    if _active is not None:
        schemathesis.hooks.unregister(_active[1])
    _active = None


def active_schema() -> OpenApiSchema:
    """The schema `activate` loaded (the conftest does, before collection), else the default profile's."""
    if _active is not None:
        return _active[0]
    return load_schema(schemathesis_config(PROFILES["default"], None), RunState())


def load_schema(config: SchemathesisConfig, state: RunState) -> OpenApiSchema:
    """The spec, configured by `config` (see profiles.py), with the suite's schema-level hooks on `state`."""
    schema = schemathesis.openapi.from_path(SPEC_PATH, config=config)
    schema.hook(_path_parameters_hook(state))
    schema.hook(_after_call_hook(state))
    schema.hook(_after_validate_hook(state))
    return schema
