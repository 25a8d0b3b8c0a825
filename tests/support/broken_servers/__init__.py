"""Deliberately broken variants of the reference server, each breaking the contract in one way, listed in
one registry; used by the contract suite's kill-rate test.

Every variant is an ASGI middleware over the correct app, applied with `running(wrap_app=...)`: the server's
code is never touched and no variant is reachable from the CLI. The variants live by kind of break:
`broken_answers` (wrong shapes), `broken_inputs` (requests handled wrongly), `broken_paging`, `broken_state`
(what the store keeps); `asgi_rewrites` holds their building blocks and `spec_facts` what they read from
the spec.
"""

from __future__ import annotations

from support.broken_servers import broken_answers, broken_inputs, broken_paging, broken_state
from support.broken_servers.broken_variant import BrokenVariant

# The order is part of how they are run (tests/support/contract_suite_runs.py alternates options by index).
BROKEN_VARIANTS: tuple[BrokenVariant, ...] = (
    broken_answers.PHONE_NUMBER_AS_INTEGER,
    broken_answers.CUSTOMER_WITHOUT_UPDATED_AT,
    broken_state.UNKNOWN_ID_ANSWERS_200,
    broken_inputs.AUTH_IGNORED,
    broken_inputs.CRASH_ON_NULL_LAST_NAME,
    broken_answers.CUSTOMER_AS_TEXT_PLAIN,
    broken_state.DELETE_DOES_NOT_DELETE,
    broken_state.UPDATE_NOT_APPLIED,
    broken_paging.LIST_SKIPS_LAST_OF_EACH_PAGE,
    broken_paging.CURSOR_LOOPS,
    broken_answers.ERROR_WITHOUT_REQUEST_ID,
    broken_inputs.UNKNOWN_FIELDS_ACCEPTED,
    broken_inputs.INVALID_EMAIL_ACCEPTED,
    broken_answers.CREATED_WITH_201,
    broken_inputs.PUT_REPLACES_WHOLE_CUSTOMER,
    broken_inputs.NULL_DOES_NOT_CLEAR,
    broken_paging.LINKS_SWAPPED,
    broken_answers.ERROR_STATUS_ALWAYS_400,
    broken_answers.NO_REQUEST_ID_HEADER,
    broken_answers.UPDATED_AT_NEVER_MOVES,
    broken_state.UPDATES_MISSING_FROM_EVENTS,
    # Variants of issue 18: each class of break that passed the suite before it read the whole contract.
    broken_answers.FIELD_ACCEPTED_BUT_IGNORED,
    broken_paging.NEXT_SKIPS_ONE_RECORD,
    broken_paging.NEXT_LINK_ON_LAST_PAGE,
    broken_paging.PREV_LINK_ON_FIRST_PAGE,
    broken_inputs.LENGTH_LIMIT_OFF_BY_ONE,
    broken_state.EMAIL_UPDATES_NOT_LOGGED,
    broken_state.EVENTS_OF_ANOTHER_CUSTOMER,
    broken_state.DELETE_ALWAYS_404,
)

# Paging breaks, which the suite must catch at any page size (tests/contract/test_contract_paging_sizes.py).
PAGING_VARIANTS: tuple[str, ...] = tuple(
    variant.name
    for variant in (
        broken_paging.LIST_SKIPS_LAST_OF_EACH_PAGE,
        broken_paging.CURSOR_LOOPS,
        broken_paging.LINKS_SWAPPED,
        broken_paging.NEXT_SKIPS_ONE_RECORD,
        broken_paging.NEXT_LINK_ON_LAST_PAGE,
        broken_paging.PREV_LINK_ON_FIRST_PAGE,
    )
)

# Variants that keep the contract in ways the reference server does not show: the suite must pass them.
CORRECT_VARIANTS: tuple[BrokenVariant, ...] = (broken_answers.LOWERCASE_T_AND_Z,)

__all__ = ["BROKEN_VARIANTS", "CORRECT_VARIANTS", "PAGING_VARIANTS", "BrokenVariant"]
