"""Every ```python snippet of the README's client section runs, in order, against the reference server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import malomo
from malomo_mock import running

README = Path(__file__).resolve().parents[2] / "README.md"
SNIPPET = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
CLIENT_SECTION = re.compile(r"^## Using the client.*?(?=^## )", re.MULTILINE | re.DOTALL)


def snippets() -> list[str]:
    section = CLIENT_SECTION.search(README.read_text(encoding="utf-8"))
    assert section is not None, "README.md has no '## Using the client' section"
    return SNIPPET.findall(section.group(0))


def test_the_readme_leads_with_the_resource_style_and_covers_each_topic() -> None:
    blocks = snippets()
    assert "malomo.Malomo()" in blocks[0]
    text = "\n".join(blocks)
    for used in (
        "client.customers.create(",
        "client.customers.list(",
        "client.customers.events.list(",
        "malomo.AsyncMalomo()",
        "with_options(",
        "with_raw_response",
        "max_retries=",
        "except malomo.NotFoundError",
        "malomo.call(",
        "malomo.paginate(",
    ):
        assert used in text, used


def test_readme_snippets_run_against_the_reference_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the README says: MALOMO_API_KEY and MALOMO_BASE_URL set to a running malomo-mock. connect() reads
    no environment, so its default base_url is pointed at the server too."""
    blocks = snippets()
    with running(page_size=2) as server:
        monkeypatch.setenv("MALOMO_API_KEY", server.api_key)
        monkeypatch.setenv("MALOMO_BASE_URL", server.base_url)
        assert malomo.connect.__kwdefaults__ is not None
        monkeypatch.setitem(malomo.connect.__kwdefaults__, "base_url", server.base_url)
        namespace: dict[str, object] = {"__name__": "readme"}
        for number, block in enumerate(blocks, start=1):
            exec(compile(block, f"{README.name} snippet {number}", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "Johnny Rose None"  # sync: create, update (None cleared the phone), retrieve
    assert "a@example.com" in printed[1:3]  # async: the list saw the new customer
    assert printed[3] == "True ['CustomerCreated', 'CustomerUpdated']"  # pagination
    assert printed[4] == "200 True johnny@rosevideo.com"  # the raw response
    assert printed[5].startswith("no such customer (request req_")  # error handling
    assert printed[6].startswith("low@example.com ['CustomerCreated']")  # the low-level API
