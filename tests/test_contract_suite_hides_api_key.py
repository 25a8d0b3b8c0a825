"""The contract suite never shows the API key: not on stdout, stderr or in its JUnit XML, even when failing.

The suite runs against a broken server (so that failures, curl lines and tracebacks are printed) with a
distinctive key, given once on the command line and once in the environment.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from broken_servers import BROKEN_VARIANTS
from contract_suite_runs import SuiteRun, run_suite, run_suite_against

from malomo_mock import running

# A key no output could contain by accident.
CANARY_KEY = f"sk_test_CANARY{secrets.token_hex(12)}"
# Wrong types in every customer answer: schemathesis reports failures with curl lines on most operations.
VARIANT = next(variant for variant in BROKEN_VARIANTS if variant.name == "phone_number_as_integer")
# Show everything pytest can show: every outcome, full tracebacks, local variables.
VERBOSE_ARGS = ["-rA", "--tb=long", "--showlocals", "-vv"]


def _outputs(run: SuiteRun) -> dict[str, str]:
    return {"stdout": run.stdout, "stderr": run.stderr, "junit xml": run.junit_xml}


def _assert_key_absent(run: SuiteRun) -> None:
    assert run.exit_code == 1, run.stdout[-3000:] + run.stderr[-1000:]
    for name, text in _outputs(run).items():
        assert CANARY_KEY not in text, f"the API key appears in the suite's {name}"
        # Not even its random part, e.g. in a differently-encoded form.
        assert CANARY_KEY.removeprefix("sk_test_") not in text, f"part of the API key appears in the {name}"


def test_failing_suite_hides_key_given_in_environment(tmp_path: Path) -> None:
    run = run_suite_against(
        lambda app: VARIANT.wrap(app, CANARY_KEY), CANARY_KEY, tmp_path / "env.xml", extra_args=VERBOSE_ARGS
    )
    # The failures must include schemathesis reports with a reproducing curl line, masked.
    assert "curl -X" in run.stdout
    assert "Authorization: [Filtered]" in run.stdout
    _assert_key_absent(run)


def test_failing_suite_hides_key_given_on_command_line(tmp_path: Path) -> None:
    with running(
        api_key=CANARY_KEY, page_size=4, wrap_app=lambda app: VARIANT.wrap(app, CANARY_KEY)
    ) as server:
        run = run_suite(
            server.base_url,
            "sk_test_not_this_one",
            tmp_path / "cli.xml",
            extra_args=[*VERBOSE_ARGS, "--api-key", CANARY_KEY, "-x"],
        )
    _assert_key_absent(run)


@pytest.mark.parametrize("junit_family", ["xunit1", "xunit2"])
def test_junit_report_names_operation_check_and_curl_line(tmp_path: Path, junit_family: str) -> None:
    run = run_suite_against(
        lambda app: VARIANT.wrap(app, CANARY_KEY),
        CANARY_KEY,
        tmp_path / "report.xml",
        extra_args=["-o", f"junit_family={junit_family}", "-k", "test_operation_keeps_the_contract"],
    )
    assert "test_operation_keeps_the_contract[GET /customers/{id}]" in run.junit_xml
    assert "Response violates schema" in run.junit_xml
    assert "curl -X GET -H 'Authorization: [Filtered]'" in run.junit_xml
    _assert_key_absent(run)
