"""`malomo-contract replay`: recordings (the client recorder's, and a masked mitmproxy export in fixtures/)
replayed against fresh reference servers and a broken variant on loopback."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

import malomo
from malomo_contract.live.cli import main
from malomo_contract.live.replay import ReplayOptions, ReplayRun, replay
from malomo_contract.live.replay_fields import differences, documented_fields, spec_volatile_fields
from malomo_mock.serving import running
from malomo_spec import operation_for
from support.broken_servers.broken_state import UPDATE_NOT_APPLIED
from support.spec_deletes import CUSTOMER_DELETE, delete_customer
from support.spec_document import DOCUMENT

KEY = "sk_test_replaycontract012345678"
MITMPROXY_HAR = Path(__file__).parent / "fixtures" / "mitmproxy_session.har"
# The recorded session deletes one of its three customers when the spec declares how.
DELETES = 0 if CUSTOMER_DELETE is None else 1


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A client session against the reference server, recorded by malomo's recorder: creates, an update and
    the reads after it, a list walk over pages of 2, an event log, a delete and the 404 after it."""
    path = tmp_path_factory.mktemp("replay") / "session.har"
    with (
        running(KEY, page_size=2) as server,
        malomo.Malomo(KEY, base_url=server.base_url, max_retries=0, record_to=path) as client,
    ):
        first = client.customers.create(email="one@example.com", first_name="One")
        second = client.customers.create(email="two@example.com")
        client.customers.create(email="three@example.com")
        client.customers.update(first.id, last_name="Changed")
        client.customers.retrieve(first.id)
        list(client.customers.list())
        list(client.customers.events.list(first.id))
        delete_customer(client, second.id)
        if DELETES:
            with pytest.raises(malomo.NotFoundError):
                client.customers.retrieve(second.id)
    yield path


def _replay(har: Path, base_url: str, *, read_only: bool = False) -> ReplayRun:
    return replay(ReplayOptions(har, base_url, KEY, read_only, None), out=io.StringIO())


def test_replay_against_a_fresh_server_maps_the_new_ids_and_finds_no_difference(recording: Path) -> None:
    recorded_ids = {entry["response"]["content"].get("text", "") for entry in _entries(recording)}
    with running(KEY, page_size=2) as fresh:
        run = _replay(recording, fresh.base_url)
        with malomo.Malomo(KEY, base_url=fresh.base_url) as client:  # every page of them
            now = [{"id": str(customer.id)} for customer in client.customers.list()]
    assert run.differences == []
    assert run.replayed == len(_entries(recording))
    # The replayed customers have ids of their own, and the reads, the update and the delete found them.
    assert len(now) == 3 - DELETES and not any(
        customer["id"] in text for customer in now for text in recorded_ids
    )
    assert len(run.mapped) >= 3


def test_replay_against_a_broken_server_shows_the_difference_side_by_side(
    recording: Path, tmp_path: Path
) -> None:
    report = tmp_path / "replay.html"
    with running(KEY, page_size=2, wrap_app=lambda app: UPDATE_NOT_APPLIED.wrap(app, KEY)) as broken:
        status = main(
            [
                "replay",
                str(recording),
                "--base-url",
                broken.base_url,
                "--api-key",
                KEY,
                "--report",
                str(report),
            ]
        )
    assert status == 1
    text = report.read_text()
    assert 'data-operation="GET /customers/{id}"' in text
    assert "field /last_name" in text
    # Both answers: the recorded one with the update (its value masked in the recording), the new one without.
    assert "&quot;last_name&quot;: &quot;" in text and "&quot;last_name&quot;: null" in text


def test_read_only_replay_sends_no_write_and_names_the_skipped_ones(recording: Path) -> None:
    out = io.StringIO()
    with running(KEY, page_size=2) as fresh:
        run = replay(ReplayOptions(recording, fresh.base_url, KEY, True, None), out=out)
        now = httpx.get(f"{fresh.base_url}/customers", headers={"Authorization": f"Bearer {KEY}"}).json()
    writes = [e["request"]["method"] for e in _entries(recording) if e["request"]["method"] != "GET"]
    assert now == []
    assert len(run.skipped) == len(writes) == 4 + DELETES
    assert out.getvalue().count("skipped (--read-only): ") == len(writes)
    assert run.replayed == len(_entries(recording)) - len(writes)


def test_a_mitmproxy_export_replays_without_difference() -> None:
    requests = [(e["request"]["method"], urlsplit(e["request"]["url"]).path) for e in _entries(MITMPROXY_HAR)]
    lacking = [f"{m} {p}" for m, p in requests[1:] if operation_for(DOCUMENT, m, p) is None]
    if lacking:
        pytest.skip(f"the recording calls what the spec lacks: {', '.join(lacking)}")
    with running(KEY, page_size=2) as fresh:
        run = _replay(MITMPROXY_HAR, fresh.base_url)
    assert run.differences == []
    assert run.unmatched == ["#0 GET /favicon.ico"]
    assert run.replayed == len(_entries(MITMPROXY_HAR)) - 1


def test_a_field_the_spec_gained_after_the_recording_is_no_difference_but_a_lost_one_is() -> None:
    gained = sorted(documented_fields() - spec_volatile_fields())[0]
    assert differences({}, {gained: "new"}, ()) == []
    assert differences({gained: "old"}, {}, ()) == [f"/{gained} (only recorded)"]
    assert differences({}, {"undocumented": 1}, ()) == ["/undocumented (only now)"]


def test_a_file_that_is_not_a_recording_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.har"
    bad.write_text("hello")
    assert main(["replay", str(bad), "--base-url", "http://127.0.0.1:9"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def _entries(path: Path) -> list[Any]:
    entries: list[Any] = json.loads(path.read_text())["log"]["entries"]
    return entries
