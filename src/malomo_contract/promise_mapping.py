"""The hand-kept half of the promise inventory: which tests of the suite enforce which statements of the spec
(description sentences by a phrase each contains, constraints by where they stand, statuses), and which
sentences only inform. promise_inventory.py generates the statements and joins them with this mapping."""

from __future__ import annotations

import re

GENERATED = "test_generated_requests.py::test_operation_keeps_the_contract"
STATEFUL = "test_stateful_links.py::test_linked_operations_keep_the_contract"
INVALID_CREATE = "test_errors_and_auth.py::test_create_refuses_invalid_body_with_400"
INVALID_UPDATE = "test_errors_and_auth.py::test_update_refuses_invalid_body_with_400"
LENGTHS = "test_boundaries.py::test_length_limit_is_kept_at_its_edge"
EMAILS = "test_boundaries.py::test_email_grammar_is_kept"
ROUND_TRIP = "test_customer_lifecycle.py::test_created_customer_reads_back_exactly_as_sent"
UPDATE_FIELD = "test_customer_lifecycle.py::test_update_applies_the_field_keeps_the_others_and_is_logged"
WALK_ORDER = "test_pagination_walks.py::test_next_walk_ends_without_repeats_in_order"
WALK_ALL = "test_pagination_walks.py::test_next_walk_finds_every_record_that_existed_before_it"
WALK_ENDS = "test_pagination_walks.py::test_first_and_last_pages_have_only_their_links"
WALK_BACK = "test_pagination_walks.py::test_prev_walk_back_mirrors_the_next_walk"
NO_KEY = "test_errors_and_auth.py::test_operation_refuses_request_without_valid_key"
NOT_FOUND = "test_errors_and_auth.py::test_unknown_customer_is_not_found"
VERSION_406 = "test_errors_and_auth.py::test_operation_refuses_another_api_version_with_406"
NO_VERSION = "test_errors_and_auth.py::test_request_naming_no_version_is_served_as_the_spec_version"
BAD_CURSOR = "test_errors_and_auth.py::test_list_refuses_a_cursor_it_did_not_issue_with_400"
NOT_JSON = "test_errors_and_auth.py::test_body_that_is_not_json_is_refused_with_415"
BODY_LIMIT = "test_boundaries.py::test_body_size_limit_is_kept_at_its_edge"
DELETED = "test_customer_lifecycle.py::test_deleted_customer_is_not_found_by_any_operation"
SUCCEEDS = "test_every_operation_succeeded.py::test_every_operation_was_answered_with_success"

# Description sentences that say what a server does, by a phrase each contains, with their tests. A
# sentence matched by no phrase here and by no INFORMATIVE phrase fails the inventory test: decide which.
SENTENCES: dict[str, tuple[str, ...]] = {
    "are refused here with 401": (NO_KEY,),
    "Every request sends the secret API key": (NO_KEY,),
    "The API version is chosen with": (VERSION_406, NO_VERSION),
    "is served as version": (NO_VERSION,),
    "any other version is refused with 406": (VERSION_406,),
    "`status` equals the HTTP status": (NO_KEY, NOT_FOUND, INVALID_CREATE, GENERATED),
    "the items *after* a cursor": (WALK_ORDER, WALK_BACK),
    "cursors come back in an RFC 8288 `Link`": (WALK_ORDER, WALK_ENDS),
    "`email` is required on create": (INVALID_CREATE, ROUND_TRIP),
    "Fields left out of the body are kept": (UPDATE_FIELD,),
    "`email` cannot be cleared": (INVALID_UPDATE,),
    "moves `updated_at` forward": (UPDATE_FIELD,),
    "a body with an unknown field is refused with 400": (INVALID_CREATE, INVALID_UPDATE),
    "Create answers 200 with the new customer": (ROUND_TRIP, GENERATED),
    "Answers 200 (not 201)": (ROUND_TRIP, GENERATED),
    "Creates a customer": (ROUND_TRIP,),
    "The customer that was created": (ROUND_TRIP,),
    "of the new customer retrieves it": (ROUND_TRIP, STATEFUL),
    "of the new customer updates it": (UPDATE_FIELD, STATEFUL),
    "of the new customer deletes it": (DELETED, STATEFUL),
    "of the new customer lists its events": (UPDATE_FIELD, STATEFUL),
    "in ascending (`created_at`, `id`) order": (WALK_ORDER,),
    "Follow the `Link` header's": (WALK_ALL,),
    "A malformed id is answered with 404": (NOT_FOUND,),
    "Retrieves one customer by id": (ROUND_TRIP,),
    "Partial update:": (UPDATE_FIELD,),
    "The customer's event log records the update": (UPDATE_FIELD,),
    "The customer as it is after the update": (UPDATE_FIELD,),
    "The updated customer can be retrieved": (UPDATE_FIELD, STATEFUL),
    "Deletes a customer and its event log": (DELETED,),
    "The customer was deleted": (DELETED,),
    "paginated like the customer list": (WALK_ORDER, WALK_ALL, WALK_BACK, WALK_ENDS),
    "returns the items after it": (WALK_ALL,),
    "returns the items before it": (WALK_BACK,),
    '`rel="next"` is left out on the last page': (WALK_ENDS, WALK_BACK),
    "the same as the error body's `request_id`": (NO_KEY, NOT_FOUND, GENERATED),
    "The authentication scheme to use, `Bearer`": (NO_KEY,),
    "The request was malformed": (INVALID_CREATE, INVALID_UPDATE, BAD_CURSOR),
    "The API key is missing, unknown or a publishable key": (NO_KEY,),
    "asks for a version of the API other than": (VERSION_406,),
    "No customer has this id": (NOT_FOUND, DELETED),
    "The request body is larger than": (BODY_LIMIT,),
    "The request body is not `application/json`": (NOT_JSON,),
    "never before `created_at`": (ROUND_TRIP, UPDATE_FIELD),
    "`email` is required; unknown fields are refused": (INVALID_CREATE,),
    "`null` clears an optional field": (UPDATE_FIELD, INVALID_UPDATE),
    "the local part a dot-atom of at most": (EMAILS,),
    "The id of the request, also in the `X-Request-Id` header": (NO_KEY, NOT_FOUND),
    "The HTTP status of the answer": (NO_KEY, NOT_FOUND, GENERATED),
    "The body of every error answer": (NO_KEY, NOT_FOUND, INVALID_CREATE, GENERATED),
}
# Phrases of sentences that describe, explain or advise clients, and promise nothing a server could break.
INFORMATIVE = (
    "written by hand from",
    "single source of truth",
    "carry the vendor extension",
    "Tools that write traffic to disk",
    "No `default` response is declared",
    "Undeclared statuses",
    "The seed's customers table",
    "This document uses one meaning",
    "Cursors are opaque strings",
    "Send at most one of",
    "the names and the phone number are optional",
    "examples had syntax errors",
    "The event example's",
    "Malomo production API",
    "Customers of a Malomo store",
    "One page of customers",
    "Unique identifier",
    "Unique id of the customer",
    "The customer.",
    "One page of the customer's events",
    "The secret API key",
    "RFC 8288 links to the neighbouring pages",
    "A customer of a Malomo store",
    "When the customer was",
    "Customer's email address.",
    "The fields of a new customer",
    "The fields to change",
    "One entry in a customer's event log",
    "Human-readable",
    "Where the event can be seen",
    "Free-form details",
    "When the event",
    "The kind of event",
    "Machine-readable error code",
)
# A schema's own description shaped `<what the field is>; <clause>.` (e.g. "Customer's first name; null
# when unknown."; each clause below is a regular expression): the first part names the field, the clause
# restates a keyword of the same schema, so the
# sentence is enforced by the tests of that keyword's constraints where an operation's body uses the schema
# (the every-field tests read each property from the spec). Clause -> (keyword, the places where the clause
# means that keyword). Another clause, or a keyword the schema does not state, leaves the sentence to
# SENTENCES and INFORMATIVE, so a new field described like the others needs no entry here.
FIELD_CLAUSES: dict[str, tuple[str, tuple[str, ...]]] = {
    r"null (?:when|if) [^;]+": ("nullable", ("request", "response")),
    r"null clears it": ("nullable", ("request",)),
}
# Words by which a field's own description says what a server does (and so promises something a test must
# exercise); a field description without one only says what the field holds, and informs.
SERVER_ACTION = re.compile(
    r"\b(?:server|refused?|refuses|answer(?:s|ed)?|returns?|rejects?|must|never|always|cannot|ignored?"
    r"|sets?|moves?|generated?|assigned?|unique|sorted|kept|keeps|at most|at least)\b",
    re.IGNORECASE,
)
FIELD_SENTENCE = re.compile(r"[^;.]+; (?P<clause>[^;]+)\.")
# Schema constraints by where they stand: request bodies, responses, parameters and headers.
CONSTRAINT_TESTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("request", "maxLength"): (LENGTHS,),
    ("request", "minLength"): (LENGTHS,),
    ("request", "format"): (EMAILS, INVALID_CREATE, INVALID_UPDATE),
    ("request", "type"): (INVALID_CREATE, INVALID_UPDATE, GENERATED),
    ("request", "required"): (INVALID_CREATE, GENERATED),
    ("request", "nullable"): (ROUND_TRIP, UPDATE_FIELD),
    ("request", "additionalProperties"): (INVALID_CREATE, INVALID_UPDATE),
    ("response", "*"): (GENERATED, STATEFUL),
    ("parameter", "*"): (GENERATED, NOT_FOUND, BAD_CURSOR),
    ("header", "*"): (GENERATED, NO_KEY),
}
STATUS_TESTS: dict[str, tuple[str, ...]] = {
    "2": (GENERATED, SUCCEEDS),
    "400": (INVALID_CREATE, INVALID_UPDATE, BAD_CURSOR),
    "401": (NO_KEY,),
    "404": (NOT_FOUND, DELETED),
    "406": (VERSION_406,),
    "413": (BODY_LIMIT,),
    "415": (NOT_JSON,),
}
