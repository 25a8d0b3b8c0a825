"""Typing tests: `mypy --strict` types every result of tests/client/typing/resource_types.py, and of every
resource method as the spec names it (lines written by resource_typing_lines.py), exactly; rejects
every deliberate mistake of tests/client/typing/mistakes.py with the error code and message written beside
it, and passes every python example of README.md and docs/ as written (one mypy run for all)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from docs_examples import module_name, pages, script
from mypy import api
from resource_typing_lines import typing_module

import malomo_spec
from support import ROOT
from support.spec_document import DOCUMENT

TYPING = ROOT / "tests" / "client" / "typing"
IGNORE = re.compile(r"  # type: ignore\[([a-z-]+)\]")
EXPECTED = re.compile(r"  # E: (.*)$")
REPORTED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*)  \[(?P<code>[a-z-]+)\]$")
# One mypy run (about 6 s); CI's lint run type-checks the same files anyway.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], tuple[str, str]]:
    """One mypy run over the typing files, the spec's resource results (right, and all wrong) and the
    mistakes without their `type: ignore`s: (file name, line) -> (message, code)."""
    folder = tmp_path_factory.mktemp("typing")
    shutil.copy(TYPING / "resource_types.py", folder / "resource_types.py")
    (folder / "resource_results.py").write_text(typing_module(DOCUMENT))
    (folder / "wrong_results.py").write_text(typing_module(DOCUMENT, wrong=True))
    (folder / "mistakes.py").write_text(IGNORE.sub("", (TYPING / "mistakes.py").read_text()))
    examples = [folder / module_name(page) for page in pages() if script(page)]
    for path, page in zip(examples, [page for page in pages() if script(page)], strict=True):
        path.write_text(script(page), encoding="utf-8")
    os.environ["MYPYPATH"] = f"{ROOT / 'src'}{os.pathsep}{ROOT / 'generated'}"
    try:
        out, err, _ = api.run(
            [
                "--strict",
                "--no-error-summary",
                "--show-error-codes",
                "--hide-error-context",
                "--cache-dir",
                # The lint env's cache (tox runs it first): only these files are checked afresh.
                str(ROOT / ".mypy_cache"),
                str(folder / "resource_types.py"),
                str(folder / "resource_results.py"),
                str(folder / "wrong_results.py"),
                str(folder / "mistakes.py"),
                *map(str, examples),
            ]
        )
    finally:
        del os.environ["MYPYPATH"]
    assert not err, err
    errors = {}
    for line in out.splitlines():
        match = REPORTED.match(line)
        if match:
            errors[(Path(match["file"]).name, int(match["line"]))] = (match["message"], match["code"])
    return errors


def test_every_result_is_typed_exactly(mypy_errors: dict[tuple[str, int], tuple[str, str]]) -> None:
    assert [where for where in mypy_errors if where[0] in ("resource_types.py", "resource_results.py")] == []


def test_every_resource_methods_result_type_is_checked_and_a_wrong_one_is_caught(
    mypy_errors: dict[tuple[str, int], tuple[str, str]],
) -> None:
    # Four lines an operation (sync, async, each plain and raw); the same lines, wrongly typed, all fail.
    written = typing_module(DOCUMENT, wrong=True).splitlines()
    checks = [number for number, line in enumerate(written, start=1) if line.startswith("    assert_type(")]
    assert len(checks) == 4 * len(list(malomo_spec.operations(DOCUMENT)))
    wrong = {line: found for (name, line), found in mypy_errors.items() if name == "wrong_results.py"}
    assert sorted(wrong) == checks
    assert {code for _, code in wrong.values()} == {"assert-type"}


def test_every_example_of_the_documentation_passes_as_written(
    mypy_errors: dict[tuple[str, int], tuple[str, str]],
) -> None:
    assert {where: found for where, found in mypy_errors.items() if where[0].startswith("docs_")} == {}


def test_every_deliberate_mistake_is_rejected_as_written(
    mypy_errors: dict[tuple[str, int], tuple[str, str]],
) -> None:
    expected: dict[int, tuple[str, str]] = {}
    for number, line in enumerate((TYPING / "mistakes.py").read_text().splitlines(), start=1):
        wanted_message, wanted_code = EXPECTED.search(line), IGNORE.search(line)
        if wanted_message and wanted_code:
            expected[number] = (wanted_message[1], wanted_code[1])
    assert len(expected) >= 15
    reported = {line: found for (name, line), found in mypy_errors.items() if name == "mistakes.py"}
    assert sorted(reported) == sorted(expected), "mypy's errors are not on the lines of the mistakes"
    for number, (fragment, code) in expected.items():
        message, reported_code = reported[number]
        assert fragment in message and reported_code == code, f"line {number}: {message} [{reported_code}]"
