"""The promise inventory (src/malomo_contract/promise_inventory.py): every normative statement of the spec
has a test of the contract suite, the hand-kept mapping names only statements and tests that exist, and a
keyword, or one inside array items, is credited only to a test that declares it (promise_claims.py)."""

from __future__ import annotations

import copy
from typing import Any

import malomo_spec
from malomo_contract import promise_claims, promise_inventory, promise_mapping
from malomo_contract.spec_contract import document, operation, operations, resolve
from support import spec_edits


def test_every_normative_statement_of_the_spec_has_a_test() -> None:
    untested = [f"{p.kind} at {p.where}: {p.text}" for p in promise_inventory.normative() if not p.tests]
    assert untested == []


def test_the_phrases_of_the_mapping_that_match_no_sentence_are_listed_and_credit_nothing() -> None:
    """A phrase matching no sentence is a typo, or its sentence went with what the spec removed: removing an
    operation needs no edit of the mapping (the phrase credits nothing), and `stale_phrases` lists it."""
    spec = copy.deepcopy(document())
    phrase = next(iter(promise_inventory.SENTENCES))
    for _, node in malomo_spec.Document(spec).walk():
        if isinstance(node, dict) and phrase in str(node.get("description", "")):
            node["description"] = node["description"].replace(phrase, "worded otherwise")
    stale = promise_inventory.stale_phrases(spec)
    assert phrase in stale and set(stale) - {phrase} == set(promise_inventory.stale_phrases())
    assert not any(phrase in p.text for p in promise_inventory.inventory(spec))


def test_every_test_the_mapping_names_exists() -> None:
    names = promise_inventory.test_names()
    mapping = promise_inventory.mapped_tests()
    missing = [(where, test) for where, tests in mapping.items() for test in tests if test not in names]
    assert missing == []


def _untested(spec: dict[str, Any]) -> list[str]:
    return [p.text for p in promise_inventory.normative(promise_inventory.inventory(spec)) if not p.tests]


def test_a_new_sentence_the_mapping_does_not_know_is_an_untested_statement() -> None:
    spec = copy.deepcopy(document())
    spec["paths"]["/customers"]["get"]["description"] += " The server answers 418 to a teapot."
    before = _untested(document())
    assert sorted(_untested(spec)) == sorted([*before, "The server answers 418 to a teapot."])


def _response_fields(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The properties, in `spec`, of the first schema a success answer refers to that has a nullable one."""
    for call in operations():
        for status in call.success_statuses:
            content = resolve(call.raw["responses"][str(status)]).get("content", {}).get("application/json")
            ref = (content or {}).get("schema", {}).get("$ref", "")
            target: Any = spec
            for part in ref.removeprefix("#/").split("/") if ref else []:
                target = target[part]
            properties = target.get("properties", {}) if ref else {}
            if any(prop.get("nullable") for prop in properties.values()):
                return dict(properties)
    raise AssertionError("no success answer refers to a schema with a nullable property")


def _nullable(properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return next(prop for prop in properties.values() if prop.get("nullable"))


def test_a_nullable_field_described_like_the_others_is_tested_by_the_every_field_tests() -> None:
    spec = copy.deepcopy(document())
    field = _nullable(_response_fields(spec))
    field["description"] = "A name no other field has, set by the inventory test; null when unknown."
    (promise,) = [p for p in promise_inventory.inventory(spec) if p.text == field["description"]]
    assert promise.normative
    assert set(promise.tests) >= set(promise_inventory.CONSTRAINT_TESTS[("response", "*")])
    assert _untested(spec) == _untested(document())


def test_a_field_sentence_that_restates_no_keyword_of_its_field_is_an_untested_statement() -> None:
    spec = copy.deepcopy(document())
    properties = _response_fields(spec)
    next(prop for prop in properties.values() if not prop.get("nullable"))["description"] = (
        "The customer's key; null when unknown."
    )
    _nullable(properties)["description"] = "The customer's name; the server uppercases it."
    assert sorted(_untested(spec)) == sorted(
        [
            *_untested(document()),
            "The customer's key; null when unknown.",
            "The customer's name; the server uppercases it.",
        ]
    )


def _tagged() -> dict[str, Any]:
    spec = copy.deepcopy(document())
    spec_edits.add_tags(spec)
    return spec


def test_a_keyword_is_credited_only_to_a_test_that_declares_it_where_it_stands() -> None:
    """Array items' `maxLength` is not the boundary test's (which never probes items), but the item test's."""
    promises = promise_inventory.inventory(_tagged())
    (item_limit,) = [
        p for p in promises if p.where == "createCustomer request body/tags[]" and "maxLength" in p.text
    ]
    assert item_limit.tests == promise_claims.claimants("request items maxLength")
    assert item_limit.tests and promise_mapping.LENGTHS not in item_limit.tests
    (max_items,) = [
        p for p in promises if p.where == "createCustomer request body/tags" and "maxItems" in p.text
    ]
    assert max_items.tests == promise_claims.claimants("request maxItems")


def test_a_keyword_no_test_declares_is_an_untested_statement() -> None:
    spec = _tagged()
    spec["components"]["schemas"]["CustomerCreate"]["properties"]["tags"]["minItems"] = 1
    assert sorted(_untested(spec)) == sorted([*_untested(document()), "minItems: 1"])


def test_every_claim_a_test_of_the_suite_declares_is_well_formed() -> None:
    assert promise_claims.malformed_claims() == []


def test_an_ordinary_field_description_informs_unless_it_says_what_a_server_does() -> None:
    spec = copy.deepcopy(document())
    spec_edits.add_favourite_colour(spec)
    properties = spec["components"]["schemas"]["Customer"]["properties"]
    properties["favourite_colour"]["description"] = "The colour the customer likes best, as they wrote it."
    assert _untested(spec) == _untested(document())
    properties["favourite_colour"]["description"] = "The colour; the server lowercases it."
    assert sorted(_untested(spec)) == sorted(
        [*_untested(document()), "The colour; the server lowercases it."]
    )


def test_a_success_answers_description_that_only_names_its_body_is_informative() -> None:
    spec = copy.deepcopy(document())
    spec_edits.add_event_create(spec)
    sentences = {p.text: p for p in promise_inventory.inventory(spec) if p.kind == "sentence"}
    assert not sentences["The event that was created."].normative
    assert _untested(spec) == _untested(document())
    # The same place saying what a server does is still a promise, and the mapped ones keep their tests.
    answer = spec["paths"][operation("listCustomerEvents").path]["post"]
    answer["responses"]["200"]["description"] = "The event that was created, which the server sorts first."
    assert "The event that was created, which the server sorts first." in _untested(spec)
    assert all(p.normative and p.tests for p in promise_inventory.inventory(spec) if p.text in KEPT)


# Success answers' descriptions the mapping credits to tests: naming the body does not make them informative.
KEPT = ("The customer that was created.", "The customer as it is after the update.")
