"""Every ```python snippet of the README's client section runs, in order, against the reference server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import malomo
from malomo_mock import running

README = Path(__file__).resolve().parent.parent / "README.md"
SNIPPET = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
CLIENT_SECTION = re.compile(r"^## Using the client.*?(?=^## )", re.MULTILINE | re.DOTALL)


def snippets() -> list[str]:
    section = CLIENT_SECTION.search(README.read_text(encoding="utf-8"))
    assert section is not None, "README.md has no '## Using the client' section"
    return SNIPPET.findall(section.group(0))


def test_the_readme_has_snippets_for_each_topic() -> None:
    text = "\n".join(snippets())
    for used in ("malomo.connect(", "malomo.call(", "malomo.acall(", "malomo.paginate(", "malomo.apaginate("):
        assert used in text
    assert "except malomo.NotFoundError" in text and "max_retries=" in text


def test_readme_snippets_run_against_the_reference_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The snippets read the key from MALOMO_API_KEY; connect()'s default base_url points at the server."""
    blocks = snippets()
    with running(page_size=2) as server:
        monkeypatch.setenv("MALOMO_API_KEY", server.api_key)
        assert malomo.connect.__kwdefaults__ is not None
        monkeypatch.setitem(malomo.connect.__kwdefaults__, "base_url", server.base_url)
        namespace: dict[str, object] = {"__name__": "readme"}
        for number, block in enumerate(blocks, start=1):
            exec(compile(block, f"{README.name} snippet {number}", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "Johnny Rose"  # sync: create, update, get
    assert "a@example.com" in printed  # async: apaginate saw the new customer
    assert printed[-2].startswith("1 ['CustomerCreated', 'CustomerUpdated']")  # pagination
    assert printed[-1].startswith("no such customer (request req_")  # error handling
