"""The promise inventory (contract_tests/promise_inventory.py): every normative statement of the spec has a
test of the contract suite, and the hand-kept mapping names only statements and tests that exist."""

from __future__ import annotations

import copy

from contract_tests import promise_inventory
from contract_tests.spec_contract import document


def test_every_normative_statement_of_the_spec_has_a_test() -> None:
    untested = [f"{p.kind} at {p.where}: {p.text}" for p in promise_inventory.normative() if not p.tests]
    assert untested == []


def test_every_phrase_of_the_mapping_matches_a_sentence_of_the_spec() -> None:
    sentences = [p.text for p in promise_inventory.inventory() if p.kind == "sentence"]
    phrases = [*promise_inventory.SENTENCES, *promise_inventory.INFORMATIVE]
    assert [phrase for phrase in phrases if not any(phrase in sentence for sentence in sentences)] == []


def test_every_test_the_mapping_names_exists() -> None:
    names = promise_inventory.test_names()
    mapping = promise_inventory.mapped_tests()
    missing = [(where, test) for where, tests in mapping.items() for test in tests if test not in names]
    assert missing == []


def test_a_new_sentence_the_mapping_does_not_know_is_an_untested_statement() -> None:
    spec = copy.deepcopy(document())
    spec["paths"]["/customers"]["get"]["description"] += " The server answers 418 to a teapot."
    untested = [p.text for p in promise_inventory.normative(promise_inventory.inventory(spec)) if not p.tests]
    assert untested == ["The server answers 418 to a teapot."]
