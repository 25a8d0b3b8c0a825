"""Deliberately broken variants of the reference server, each breaking the contract in one way, listed in
one registry; used by the contract suite's kill-rate test.

Every variant is an ASGI middleware over the correct app, applied with `running(wrap_app=...)`: the server's
code is never touched and no variant is reachable from the CLI. The variants live by kind of break:
`broken_answers` (wrong shapes), `broken_inputs` (requests handled wrongly), `broken_paging`, `broken_state`
(what the store keeps); `asgi_rewrites` holds their building blocks and `spec_facts` what they read from
the spec.
"""

from __future__ import annotations

from support.broken_servers import (
    broken_answers,
    broken_inputs,
    broken_paging,
    broken_state,
    class_semantics,
    class_statuses,
    space_variants,
)
from support.broken_servers.broken_variant import BrokenVariant
from support.broken_servers.spec_facts import OPERATION_IDS


def _planted_in_the_spec(*variants: BrokenVariant) -> tuple[BrokenVariant, ...]:
    """The variants whose bug lives in operations the spec has: a bug planted in an operation the spec
    lacks (a removed delete) is left out."""
    return tuple(variant for variant in variants if set(variant.operations) <= OPERATION_IDS)


# The order is part of how they are run (tests/support/contract_suite_runs.py alternates options by index).
BROKEN_VARIANTS: tuple[BrokenVariant, ...] = _planted_in_the_spec(
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

# The planted bugs of the fault-class inventory (src/malomo_contract/fault_classes.yaml) that BROKEN_VARIANTS
# lacks, and of the promise spaces there: each run against only the tests its class or space names
# (tests/contract/test_contract_fault_classes.py).
CLASS_VARIANTS: tuple[BrokenVariant, ...] = _planted_in_the_spec(
    class_statuses.GET_ANSWERS_299,
    class_statuses.GET_ANSWERS_201,
    class_statuses.DELETE_ANSWERS_201,
    class_statuses.DELETE_204_WITH_A_BODY,
    class_statuses.BODYLESS_DELETE_ANSWERED_413,
    class_statuses.BODYLESS_GET_ANSWERED_415,
    class_statuses.UPDATE_ANSWERS_304,
    class_statuses.UPDATE_ANSWERS_205,
    class_statuses.UPDATE_ANSWERS_426,
    class_statuses.UPDATE_ANSWERS_201,
    class_statuses.EVENTS_ANSWER_501,
    class_statuses.VALID_KEY_REFUSED_ON_EVENTS,
    class_statuses.NO_WWW_AUTHENTICATE,
    class_statuses.NO_ALLOW_ON_405,
    class_statuses.ALLOW_NAMES_WRONG_METHODS,
    class_statuses.STACK_TRACE_IN_ERRORS,
    class_statuses.UNVERSIONED_JSON_REFUSED_406,
    class_statuses.UNDECLARED_PATCH_SERVED,
    class_semantics.REFUSED_UPDATE_PARTLY_APPLIED,
    class_semantics.REFUSED_CREATE_STORED,
    class_semantics.REPEATED_UPDATE_NOT_IDEMPOTENT,
    class_semantics.SERVER_SET_FIELDS_ASSIGNED,
    class_semantics.CREATED_ID_NOT_FOUND,
    class_semantics.WRITES_WITHOUT_KEY_ALLOWED,
    class_semantics.ONE_STORE_FOR_EVERY_KEY,
    class_semantics.QUOTE_BREAKS_THE_STORE,
    class_semantics.EXAMPLE_BODY_REFUSED,
    class_semantics.BAD_CURSOR_CRASHES,
    class_semantics.LONGEST_VALUE_REFUSED,
    space_variants.VERSION_REFUSED_ONLY_FOR_THE_PREVIOUS,
    space_variants.MEDIA_TYPE_CASE_SENSITIVE,
    space_variants.EMAIL_UNCHECKED_ON_UPDATE,
    space_variants.UNKNOWN_NULL_FIELDS_ACCEPTED,
    space_variants.REQUEST_ID_REPEATED,
    space_variants.TIMESTAMPS_A_DAY_OFF,
    space_variants.JSON_LABEL_IGNORED,
)
# Runs against these variants get the second store's key in MALOMO_OTHER_API_KEY.
TWO_KEY_VARIANTS: frozenset[str] = frozenset(
    {class_semantics.ONE_STORE_FOR_EVERY_KEY.name, class_semantics.TWO_STORES.name}
)
OTHER_STORE_KEY = class_semantics.OTHER_STORE_KEY

# Variants that keep the contract in ways the reference server does not show: the suite must pass them.
CORRECT_VARIANTS: tuple[BrokenVariant, ...] = (broken_answers.LOWERCASE_T_AND_Z, class_semantics.TWO_STORES)


def variant_named(name: str | None) -> BrokenVariant | None:
    """The broken, class or correct variant `name`; None (the reference server as it is) for no name."""
    every = (*BROKEN_VARIANTS, *CLASS_VARIANTS, *CORRECT_VARIANTS)
    found = next((variant for variant in every if variant.name == name), None)
    if name is not None and found is None:
        raise LookupError(f"no variant of the reference server is named {name!r}")
    return found


__all__ = [
    "BROKEN_VARIANTS",
    "CLASS_VARIANTS",
    "CORRECT_VARIANTS",
    "OTHER_STORE_KEY",
    "PAGING_VARIANTS",
    "TWO_KEY_VARIANTS",
    "BrokenVariant",
    "variant_named",
]
