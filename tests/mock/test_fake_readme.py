"""The README's "Testing your application" snippets, as written, are one application's test module: pytest
runs it in a subprocess with the installed plugin, and every test in it passes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the README's snippets as an application's test session in a subprocess.
pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"
SNIPPET = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
SECTION = re.compile(r"^## Testing your application\n.*?(?=^## )", re.MULTILINE | re.DOTALL)


def test_the_readme_testing_snippets_pass_as_an_applications_tests(tmp_path: Path) -> None:
    section = SECTION.search(README.read_text(encoding="utf-8"))
    assert section is not None, "README.md has no '## Testing your application' section"
    module = "\n\n".join(SNIPPET.findall(section.group(0)))
    tests = re.findall(r"^(?:async )?def (test_\w+)", module, re.MULTILINE)
    for used in ("malomo_fake.client(", "async_client(", ".fail(", "pytest.mark.malomo_fake", "Fake("):
        assert used in module
    (tmp_path / "test_readme_app.py").write_text(module, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-p",
            "no:xdist",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(tests)} passed" in result.stdout
    assert len(tests) >= 6
    assert "[]" in result.stdout.splitlines()  # the snippet without pytest printed the empty list
