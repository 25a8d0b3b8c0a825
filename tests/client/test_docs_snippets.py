"""Every python example of README.md and docs/ runs as written against a reference server, with the
environment the pages tell the reader to set (`mypy --strict` checks them in test_typing.py's mypy run).
docs/testing.md's examples are one application's test module: pytest runs it in a subprocess with the
installed plugin."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from docs_examples import DOCS, pages, script

from malomo_mock import running
from support import ROOT

# A reference server and a pytest subprocess: about 5 s.
pytestmark = pytest.mark.slow

EXPORT = re.compile(r"^export ((?:\w+=\S+ ?)+)", re.MULTILINE)
APP_TESTS = DOCS / "testing.md"  # an application's tests, not a script


def told_environment() -> set[str]:
    """The variables docs/client.md tells the reader to export before running its examples."""
    found = EXPORT.search((DOCS / "client.md").read_text(encoding="utf-8"))
    assert found, "docs/client.md no longer says what to export"
    return {pair.split("=", 1)[0] for pair in found[1].split()}


def test_every_script_example_runs_against_the_reference_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert told_environment() == {"MALOMO_API_KEY", "MALOMO_BASE_URL"}
    monkeypatch.chdir(tmp_path)  # the recording examples write HAR files to the working folder
    with running(page_size=2) as server:
        monkeypatch.setenv("MALOMO_API_KEY", server.api_key)
        monkeypatch.setenv("MALOMO_BASE_URL", server.base_url)
        for page in pages():
            if page != APP_TESTS and script(page):
                code = compile(script(page), str(page.relative_to(ROOT)), "exec")
                exec(code, {"__name__": f"docs_{page.stem}"})
    printed = capsys.readouterr().out.splitlines()
    assert "Johnny Rose None" in printed  # client.md: create, update (None cleared the phone), retrieve
    assert any("email='***'" in line and "Johnny" not in line for line in printed)  # the masked repr
    assert any(line.startswith("no such customer (request req_") for line in printed)
    assert any(line.startswith("low@example.com ['CustomerCreated']") for line in printed)
    assert any("404 not_found" in line for line in printed)  # the README's example
    assert list(tmp_path.glob("malomo-*.har"))  # recording.md


def test_the_testing_page_is_an_applications_passing_test_module(tmp_path: Path) -> None:
    module = script(APP_TESTS)
    tests = re.findall(r"^(?:async )?def (test_\w+)", module, re.MULTILINE)
    for used in ("malomo_fake.client(", "async_client(", ".fail(", "pytest.mark.malomo_fake", "Fake("):
        assert used in module
    (tmp_path / "test_docs_app.py").write_text(module, encoding="utf-8")
    plugins = ["-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", *plugins],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(tests)} passed" in result.stdout and len(tests) >= 6
    assert "[]" in result.stdout.splitlines()  # the example without pytest printed the empty list
