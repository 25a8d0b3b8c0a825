"""The contract suite never shows the API key: not on stdout, stderr or in its JUnit XML, even when failing.

Rides on the kill-rate runs (`broken_variant_runs`): every one of them fails against a broken server with
a distinctive key and pytest's most verbose output (`-rA --tb=long --showlocals -vv`), half of them with
the key in the environment and half with it on the command line, in both JUnit families. One of them
runs the whole suite, so its reports hold schemathesis failures with their curl lines.
"""

from __future__ import annotations

import re

import pytest

from support.contract_suite_runs import CANARY_KEY, FULL_REPORT_VARIANT, VariantRun

# Under pytest-xdist, on one worker: the runs are made once, by whichever test asks first.
pytestmark = [pytest.mark.xdist_group("broken_variant_runs"), pytest.mark.slow]


def _full_report(runs: list[VariantRun]) -> VariantRun:
    return next(result for result in runs if result.variant.name == FULL_REPORT_VARIANT)


def test_failing_suite_runs_never_show_the_key(broken_variant_runs: list[VariantRun]) -> None:
    assert {result.key_on_command_line for result in broken_variant_runs} == {True, False}
    assert {result.junit_family for result in broken_variant_runs} == {"xunit1", "xunit2"}
    for result in broken_variant_runs:
        run = result.run
        assert run.exit_code == 1, run.stdout[-3000:] + run.stderr[-1000:]
        assert run.junit_xml, f"{result.variant.name}: no JUnit XML"
        for name, text in {"stdout": run.stdout, "stderr": run.stderr, "junit xml": run.junit_xml}.items():
            where = f"{result.variant.name} (key on command line: {result.key_on_command_line}), {name}"
            assert CANARY_KEY not in text, f"the API key appears in {where}"
            # Not even its random part, e.g. in a differently-encoded form.
            assert CANARY_KEY.removeprefix("sk_test_") not in text, f"part of the API key appears in {where}"


def test_failure_reports_show_curl_lines_with_the_key_masked(broken_variant_runs: list[VariantRun]) -> None:
    run = _full_report(broken_variant_runs).run
    assert "curl -sS -i -w '\\n' -X" in run.stdout
    assert "Authorization: Bearer [Filtered]" in run.stdout


def test_junit_report_names_operation_check_and_curl_line(broken_variant_runs: list[VariantRun]) -> None:
    junit_xml = _full_report(broken_variant_runs).run.junit_xml
    assert "test_operation_keeps_the_contract[GET /customers/{id}]" in junit_xml
    assert "Response violates schema" in junit_xml
    assert re.search(r"curl -sS -i -w '\\n' -X GET .*-H 'Authorization: Bearer \[Filtered\]'", junit_xml)
