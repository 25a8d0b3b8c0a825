"""The hand-written code (every .py under src/ and tools/) types no fact of the spec: each is read from
openapi/malomo.yaml through malomo_spec, so that the spec stays the single source of truth.

What the scan (`ast`, docstrings left out) reports, every fact read from the spec:
- a string equal to a property name of a component schema, a parameter name, a path
  template or one of its literal parts (`/customers`, `/customers/`, `/events`), a response header name the
  spec declares (compared without case, as HTTP does; bytes too; not `Link` and `WWW-Authenticate`, which
  RFC 8288 and RFC 9110 define), or a value of an `info.x-malomo-*`;
- an integer equal to a length or size limit (`maxLength`, `minLength`, `maxItems`, `minItems`, an integer
  `x-malomo-*`), also when written as a product or power of constants (`1024 * 1024`); 0 and 1 are left out,
  they are every loop's bounds; one below 1000 (20, 64, 255: cache sizes, bit masks, truncations) only where
  it is compared or is the value of a constant named for a limit, and that comparison or name also names what
  the spec limits (`MAX_NAME_LENGTH = 255` for `Name`, `len(tags) > 20` for `tags`): a spec edit adding
  `maxItems: 20` must not turn every unrelated 20 into a finding; one of 1000 or more anywhere, but in the
  value of a constant whose name says it is something else (`LISTEN_BACKLOG = 2048`);
- a set, tuple or list literal holding two or more different statuses the spec documents (one status alone
  is HTTP, which every server speaks; `(204, 204)` is a range of one), or two or more operationIds (one
  operationId alone is how code asks the spec for an operation: `operation("createCustomer")`; a list of
  them states which operations share something, which the spec should say).

Decisions for precision: only strings that are exactly a fact are reported. A name that is also OpenAPI
vocabulary (`type`, `properties`) is not reported at all: code reading a schema says it. Names common in
any code (`id`, `status`, `code`, `message`, `label`, `timestamp`, `next`, `prev`, and a `format` the spec
uses, such as `email`, which code checking formats names) are reported only where
they are used as a record's key: a dict literal's key, a subscript, or the first argument of `.get`, `.pop`
or `.setdefault`. What is left is either read from the spec instead, or listed in `ALLOWED` with the reason
it is not the spec's fact.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

from spec_literal_scan import SpecFacts, literals_in, spec_facts

import malomo_spec
from support import ROOT, SPEC_PATH, spec_edits

SCANNED_FOLDERS = ("src", "tools")

# (file relative to the checkout, literal: a string's text, a number or collection as written): why it is not
# the spec's fact there. One entry covers every line of that file.
_STORE_KEY = "the store's key column, answered as this field (RecordKind.of refuses a spec without it)"
_SERVER_ERROR = "a key of the Error body the server builds (the spec's example of its own answer)"
_SERVER_REQUEST_ID = "the request-id header the server sends on every answer (the spec requires it on errors)"
_PROSE_FIELD = (
    "a field only a sentence of the spec names (checked against the schema on import): a phrase holding the "
    "name (listed in record_fields.py) ties its checks to that sentence in promise_mapping.SENTENCES, so a "
    "rename in the spec fails tests/contract/test_contract_promise_inventory.py"
)
ALLOWED: dict[tuple[str, str], str] = {
    ("src/malomo_contract/fault_classes.py", "id"): "the fault-class data file's own key (a class's "
    "id in its source), not a customer field",
    (
        "src/malomo_contract/contract_checks.py",
        "('createCustomer', 'getCustomer', 'updateCustomer', 'deleteCustomer', 'listCustomerEvents')",
    ): "five lookups, not a set: each operation's label for failure messages, read from the spec by its id",
    ("src/malomo_contract/report/html_report.py", "status"): "the coverage report's own span record (its "
    "HTTP status column), not the Error body's field",
    ("src/malomo_contract/traffic/har_files.py", "status"): "HAR 1.2's `response.status`, the HAR "
    "format's field",
    ("src/malomo_contract/record_fields.py", "created_at"): _PROSE_FIELD,
    ("src/malomo_contract/record_fields.py", "updated_at"): _PROSE_FIELD,
    ("src/malomo_contract/record_fields.py", "request_id"): _PROSE_FIELD,
    ("src/malomo_mock/legacy_store_rows.py", "first_name"): "the frozen 0.2.x row layout kept for bench/, by "
    "design not today's spec",
    ("src/malomo_mock/legacy_store_rows.py", "last_name"): "the frozen 0.2.x row layout (see first_name)",
    ("src/malomo_mock/legacy_store_rows.py", "phone_number"): "the frozen 0.2.x row layout (see first_name)",
    ("src/malomo_mock/store_records.py", "id"): _STORE_KEY,
    ("src/malomo_mock/store_records.py", "created_at"): _STORE_KEY,
    ("src/malomo_mock/store_records.py", "updated_at"): _STORE_KEY,
    ("src/malomo_mock/customers_store.py", "id"): "the store's key column in SQL rows and records",
    ("src/malomo_mock/seed_file.py", "id"): "the store's key column of a record built from a seed",
    ("src/malomo_mock/customers_store.py", "link_back_url"): "a field of an event the server logs itself "
    "(its own wording; a field the spec's Event lacks is dropped by the answer's shape)",
    ("src/malomo_mock/value_rules.py", "email"): "the OpenAPI format name keying the format checks",
    ("src/malomo_mock/request_bodies.py", "1 << 20"): "the bytes of a MiB, to write a size as a person "
    "reads it (size_text), not the body limit",
    ("src/malomo_mock/error_answers.py", "x-request-id"): _SERVER_REQUEST_ID,
    ("src/malomo_mock/http_guard.py", "x-request-id"): _SERVER_REQUEST_ID,
    ("src/malomo_mock/fake_faults.py", "x-request-id"): _SERVER_REQUEST_ID,
    ("src/malomo_mock/fake_faults.py", "X-Request-Id"): _SERVER_REQUEST_ID,
    ("src/malomo_mock/fake_faults.py", "code"): _SERVER_ERROR,
    ("src/malomo_mock/fake_faults.py", "message"): _SERVER_ERROR,
    (
        "src/malomo_mock/fake.py",
        "message",
    ): "the Error body the fake's own server built, shown in its exception",
}


def _hand_written_files() -> Iterator[Path]:
    for folder in SCANNED_FOLDERS:
        yield from sorted((ROOT / folder).rglob("*.py"))


def _facts() -> SpecFacts:
    return spec_facts(malomo_spec.load(SPEC_PATH))


def test_hand_written_code_types_no_spec_fact() -> None:
    facts = _facts()
    findings = [
        finding
        for file in _hand_written_files()
        for finding in literals_in(file.read_text(encoding="utf-8"), facts, str(file.relative_to(ROOT)))
        if (finding.path, finding.literal) not in ALLOWED
    ]
    assert not findings, "spec facts typed by hand (read them from the spec):\n" + "\n".join(
        map(str, findings)
    )


def test_the_scan_reports_a_field_a_status_set_and_a_limit() -> None:
    source = (
        '"""A docstring may say first_name."""\n'
        'FIELD = "first_name"\n'
        "ERROR_STATUSES = {400, 404}\n"
        "LIMIT = 1024 * 1024\n"
        'name = record.get("id")\n'
        'word = "id"\n'
        'HANDLED = ("createCustomer", "getCustomer")\n'
        "MAX_NAME_LENGTH = 255\n"
        "cache = lru_cache(maxsize=255)\n"
    )
    found = [(finding.line, finding.literal) for finding in literals_in(source, _facts())]
    assert found == [
        (2, "first_name"),
        (3, "{400, 404}"),
        (4, "1024 * 1024"),
        (5, "id"),
        (7, "('createCustomer', 'getCustomer')"),
        (8, "255"),
    ]


def test_allowed_literals_are_still_there() -> None:
    """An allow-list entry whose literal is gone is removed, so the list stays short and true."""
    facts = _facts()
    present = {
        (finding.path, finding.literal)
        for file in _hand_written_files()
        for finding in literals_in(file.read_text(encoding="utf-8"), facts, str(file.relative_to(ROOT)))
    }
    assert not set(ALLOWED) - present, sorted(set(ALLOWED) - present)


def test_a_small_limit_is_reported_only_where_it_names_what_the_spec_limits() -> None:
    """After an edit adding `tags` (`maxItems: 20`), an unrelated 20 and the OpenAPI word are no facts."""
    spec = copy.deepcopy(dict(malomo_spec.load(SPEC_PATH).tree))
    spec_edits.add_tags(spec)
    source = (
        "MAX_CURSORS_PER_LIST = 20\nok = len(text) < 20\nMAX_TAGS = 20\ntoo_many = len(tags) > 20\n"
        'tag = op["tags"]\n'
    )
    found = [
        (finding.line, finding.literal)
        for finding in literals_in(source, spec_facts(malomo_spec.Document(spec)))
    ]
    assert found == [(3, "20"), (4, "20")]


def test_a_large_limit_is_reported_anywhere_but_in_a_constant_named_for_something_else() -> None:
    """After an edit adding a field of `maxLength: 2048`, a backlog of 2048 named as such is no fact."""
    spec = copy.deepcopy(dict(malomo_spec.load(SPEC_PATH).tree))
    note = {"type": "string", "maxLength": 2048}
    spec["components"]["schemas"]["CustomerCreate"]["properties"]["note"] = note
    source = "LISTEN_BACKLOG = 2048\nMAX_NOTE = 2048\nsock.listen(2048)\nok = len(text) < 2048\n"
    found = [
        (finding.line, finding.literal)
        for finding in literals_in(source, spec_facts(malomo_spec.Document(spec)))
    ]
    assert found == [(2, "2048"), (3, "2048"), (4, "2048")]
