"""The fault-class inventory (src/malomo_contract/fault_classes.yaml): every class that EvoMaster, RESTler and
schemathesis name is listed with the source's own id and mapped to tests of the suite or to a reason it does
not apply; every mapped test exists; and every class that applies has a planted bug that the suite kills.

The kills ride on the kill-rate runs (`broken_variant_runs`): one more session of the suite, at its default
profile, against a switchboard of every planted variant, each run against only the tests that name it
(`support.broken_servers.switchboard`). The table of classes, variants and the test that killed each is
printed (see it with `pytest -s`).
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis.specs.openapi.checks  # noqa: F401 - registers schemathesis' OpenAPI checks
from schemathesis.checks import CHECKS

from malomo_contract import fault_classes as inventory
from malomo_contract import promise_inventory, spec_contract
from malomo_contract.fault_classes import SOURCES, fault_classes, promise_spaces
from support.broken_servers import CLASS_VARIANTS, variant_named
from support.broken_servers.switchboard import CLASS_RUNS, REFERENCE, class_schedule
from support.contract_suite_runs import VariantRun

# Web Fuzzing Commons' DefinedFaultCategory (catalogue 0.9.0): 21 HTTP, 7 schema and 11 security categories.
WFC_GROUPS = {"HTTP_": 21, "SCHEMA_": 7, "SECURITY_": 11}
# The RESTler checkers the issue names; RESTler has others, listed too.
RESTLER_CHECKERS = {
    "UseAfterFreeChecker",
    "NameSpaceRuleChecker",
    "ResourceHierarchyChecker",
    "LeakageRuleChecker",
    "InvalidDynamicObjectChecker",
    "PayloadBodyChecker",
}


def test_every_class_of_every_source_is_listed_once() -> None:
    classes = fault_classes()
    assert {fault.source for fault in classes} == set(SOURCES)
    assert [key for key, count in Counter((f.source, f.id) for f in classes).items() if count > 1] == []
    evomaster = [fault.id for fault in classes if fault.source == "EvoMaster"]
    assert {prefix: sum(i.startswith(prefix) for i in evomaster) for prefix in WFC_GROUPS} == WFC_GROUPS
    assert len(evomaster) == sum(WFC_GROUPS.values())
    assert {fault.id for fault in classes if fault.source == "RESTler"} >= RESTLER_CHECKERS
    # schemathesis' own checks: the suite registers checks of its own in the same registry when its plugin
    # has been loaded in this process (another test ran the suite in-process first).
    registered = {
        check.__name__ for check in CHECKS.get_all() if check.__module__.startswith("schemathesis.")
    }
    assert len(registered) >= 14
    assert registered - {fault.id for fault in classes if fault.source == "schemathesis"} == set()


def test_every_class_is_mapped_to_tests_and_a_planted_bug_or_to_a_reason() -> None:
    unmapped = [
        fault.id
        for fault in fault_classes()
        if (fault.applies and not (fault.tests and fault.planted))
        or (not fault.applies and (not fault.reason or fault.tests))
    ]
    assert unmapped == []


def test_a_class_whose_proof_needs_an_operation_the_spec_lacks_does_not_apply_to_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    needing = {(entry["source"], entry["id"]) for entry in inventory._data()["classes"] if entry.get("needs")}
    spaces = len(inventory._data()["promise_spaces"])
    spaces_needing = sum(bool(entry.get("needs")) for entry in inventory._data()["promise_spaces"])
    assert needing and spaces_needing  # the delete's classes and space say so
    without_deletes = tuple(op for op in spec_contract.operations() if op.method != "DELETE")
    monkeypatch.setattr(inventory, "operations", lambda: without_deletes)
    fault_classes.cache_clear()
    promise_spaces.cache_clear()
    try:
        lacking = {
            (fault.source, fault.id): fault
            for fault in fault_classes()
            if (fault.source, fault.id) in needing
        }
        assert sorted(lacking) == sorted(needing)
        for fault in lacking.values():
            assert (fault.applies, fault.tests, fault.planted) == (False, (), "")
            assert fault.reason.startswith("not applicable to this spec: it has no ")
        assert len(promise_spaces()) == spaces - spaces_needing
    finally:
        fault_classes.cache_clear()
        promise_spaces.cache_clear()


def test_every_test_and_variant_the_inventory_names_exists() -> None:
    names = promise_inventory.test_names()
    tests = {test for fault in fault_classes() for test in fault.tests}
    tests |= {test for space in promise_spaces() for test in space.tests}
    assert sorted(tests - names) == []
    planted = {fault.planted for fault in fault_classes() if fault.planted}
    planted |= {variant for space in promise_spaces() for variant in space.planted}
    for name in planted:
        variant_named(name)  # raises for a name no variant has
    # Every variant made for the inventory proves something in it.
    assert sorted({variant.name for variant in CLASS_VARIANTS} - planted) == []


def test_every_promise_space_is_of_normative_sentences_of_the_spec() -> None:
    sentences = [p.text for p in promise_inventory.normative() if p.kind == "sentence"]
    phrases = [phrase for space in promise_spaces() for phrase in space.phrases]
    assert [phrase for phrase in phrases if not any(phrase in text for text in sentences)] == []
    assert [
        space.phrases for space in promise_spaces() if not (space.space and space.covered_by and space.tests)
    ] == []
    spaced = [text for text in sentences if any(phrase in text for phrase in phrases)]
    print(f"\n{len(spaced)} of {len(sentences)} normative sentences have their space written down")


def _table(killed: dict[str, str | None]) -> str:
    lines = [f"{'source':<13} {'class':<42} {'planted variant':<36} killed by", "-" * 150]
    rates: Counter[tuple[str, bool]] = Counter()
    for fault in fault_classes():
        if not fault.applies:
            lines.append(f"{fault.source:<13} {fault.id:<42} {'(does not apply)':<36} {fault.reason[:60]}")
            continue
        by = killed.get(fault.planted)
        rates[(fault.source, by is not None)] += 1
        lines.append(f"{fault.source:<13} {fault.id:<42} {fault.planted:<36} {by or 'SURVIVED'}")
    in_classes = {fault.planted for fault in fault_classes()}
    for variant in sorted({v for space in promise_spaces() for v in space.planted} - in_classes):
        lines.append(
            f"{'space':<13} {'(a promise over its space)':<42} {variant:<36} {killed.get(variant) or '-'}"
        )
    for source in SOURCES:
        caught, applicable = rates[(source, True)], rates[(source, True)] + rates[(source, False)]
        lines.append(f"{source}: {caught}/{applicable} classes that apply killed by their planted bug")
    return "\n".join(lines)


# Under pytest-xdist, on the worker that makes the kill-rate runs.
@pytest.mark.xdist_group("broken_variant_runs")
@pytest.mark.slow
def test_suite_kills_the_planted_bug_of_every_class(broken_variant_runs: list[VariantRun]) -> None:
    (class_run,) = CLASS_RUNS
    killed: dict[str, str | None] = class_run.outcome["killed"]
    print(
        "\n" + _table(killed) + f"\nthe session of every planted variant took {class_run.run.seconds:.1f} s"
    )
    failed_on_correct = killed.pop(REFERENCE)
    assert failed_on_correct is None, (
        f"{failed_on_correct} failed against the correct server after the variants"
    )
    assert set(killed) == set(class_schedule())
    survivors = sorted(variant for variant, by in killed.items() if by is None)
    if survivors:
        pytest.fail(f"the suite did not catch {survivors}:\n{class_run.run.stdout[-4000:]}")
