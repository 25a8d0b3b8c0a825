"""What a recording made with malomo (`connect(record_to=...)`, RecordingTransport) holds: no key, personal
data masked by default (in bodies, query strings and echoed messages, with sizes of the masked body), whole
entries under concurrency."""

from __future__ import annotations

import asyncio
import gzip
import importlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from recording_sessions import (
    CANARY,
    CANARY_KEY,
    assert_no_canary,
    har_entries,
    record_canary_session,
    serve_canary,
)

import malomo
import malomo_spec
from malomo_client.api.customers import (
    create_customer,
    get_customer,
)
from malomo_client.models import CustomerCreate
from malomo_mock import RunningServer
from support.customer_bodies import new_customer

# Fixtures, from functions shared with the other module of this behaviour.
canary_server = pytest.fixture(scope="module")(serve_canary)
session_recording = pytest.fixture(scope="module")(record_canary_session)


def test_default_recording_holds_no_key_and_no_personal_data(session_recording: Path) -> None:
    data = session_recording.read_text()
    assert CANARY_KEY not in data
    assert_no_canary(data)
    assert "[redacted]" in data


def test_each_personal_value_gets_one_placeholder_in_a_file(session_recording: Path) -> None:
    emails = []
    for entry in har_entries(session_recording):
        for text in (entry["request"].get("postData", {}).get("text"), entry["response"]["content"]["text"]):
            document = json.loads(text) if text and text.startswith(("{", "[")) else None
            items = document if isinstance(document, list) else [document]
            emails += [item["email"] for item in items if isinstance(item, dict) and "email" in item]
    # Three addresses: the canary (created twice), the second customer, the refused one.
    assert len(set(emails)) == 3
    assert all(email.endswith("@redacted.invalid") for email in emails)


def test_record_personal_data_keeps_the_values_but_never_the_key(
    canary_server: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "personal.har"
    options: dict[str, Any] = {"base_url": canary_server.base_url, "record_to": path}
    with malomo.connect(canary_server.api_key, record_personal_data=True, **options) as client:
        malomo.call(create_customer, client=client, body=CustomerCreate.from_dict(CANARY))
    data = path.read_text()
    assert CANARY["email"] in data and CANARY["last_name"] in data
    assert CANARY_KEY not in data


def test_personal_data_in_query_strings_and_echoed_messages_is_masked(tmp_path: Path) -> None:
    recorder = malomo.HarRecorder(tmp_path / "echo.har")
    request = httpx.Request(
        "POST",
        "https://api.gomalomo.com/customers?email=echo.person@example.com",
        headers={"Cookie": "session=s3cr3t", "Content-Type": "application/json"},
        json={"email": "echo.person@example.com"},
    )
    message = {"message": "email: 'echo.person@example.com' is taken", "status": 400}
    response = httpx.Response(400, json=message, headers={"Set-Cookie": "session=s3cr3t"})
    recorder.record(request, request.content, response, response.content, datetime.now(UTC), 0.001)
    data = (tmp_path / "echo.har").read_text()
    assert "echo.person" not in data and "s3cr3t" not in data
    assert data.count("person1@redacted.invalid") == 3


def test_recording_transport_records_a_plain_httpx_client(
    canary_server: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "plain.har"
    transport = malomo.RecordingTransport(recorder=path)
    headers = {"Authorization": f"Bearer {canary_server.api_key}"}
    with httpx.Client(base_url=canary_server.base_url, headers=headers, transport=transport) as http:
        answered = http.get("/customers").json()
    (entry,) = har_entries(path)
    assert entry["request"]["method"] == "GET" and entry["response"]["status"] == 200
    assert len(json.loads(entry["response"]["content"]["text"])) == len(answered)
    sent = {header["name"].lower(): header["value"] for header in entry["request"]["headers"]}
    assert sent["authorization"] == "[redacted]"


def test_concurrent_requests_never_interleave_inside_an_entry(
    canary_server: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "concurrent.har"
    options: dict[str, Any] = {"base_url": canary_server.base_url, "record_to": path}
    with malomo.connect(canary_server.api_key, **options) as client:
        ids = [
            malomo.call(
                create_customer,
                client=client,
                body=CustomerCreate.from_dict(new_customer(email=f"c{n}@example.com")),
            ).id
            for n in range(4)
        ]

        def fetch_all() -> None:
            for customer_id in ids:
                malomo.call(get_customer, customer_id, client=client)

        threads = [threading.Thread(target=fetch_all) for _ in range(4)]
        for thread in threads:
            thread.start()

        async def gather() -> None:
            async with malomo.connect(canary_server.api_key, **options) as async_client:
                calls = [malomo.acall(get_customer, i, client=async_client) for i in ids * 5]
                await asyncio.gather(*calls)

        asyncio.run(gather())
        for thread in threads:
            thread.join()
    entries = har_entries(path)  # strict JSON
    assert len(entries) == 4 + 4 * 4 + 4 * 5
    for entry in entries[4:]:
        answered = json.loads(entry["response"]["content"]["text"])
        assert entry["request"]["url"].endswith(f"/customers/{answered['id']}")


def _exchange(email: str, name: str) -> tuple[httpx.Request, httpx.Response]:
    request = httpx.Request(
        "POST", "https://api.gomalomo.com/customers", json={"email": email, "first_name": name}
    )
    response = httpx.Response(200, json={"email": email, "first_name": name, "id": "x"}, request=request)
    return request, response


def test_a_masked_body_records_its_own_size_and_not_the_length_of_the_value(tmp_path: Path) -> None:
    recorder = malomo.HarRecorder(tmp_path / "sizes.har")
    for email, name in (("a@b.co", "Al"), ("a.much.longer.address@example.com", "Maximiliana-Josephine")):
        request, response = _exchange(email, name)
        recorder.record(request, request.content, response, response.content, datetime.now(UTC), 0.001)
    entries = har_entries(tmp_path / "sizes.har")
    shapes = []
    for entry in entries:
        sent, answer = entry["request"], entry["response"]
        sent_length = {h["name"].lower(): h["value"] for h in sent["headers"]}["content-length"]
        answer_length = {h["name"].lower(): h["value"] for h in answer["headers"]}["content-length"]
        assert sent["bodySize"] == len(sent["postData"]["text"].encode()) == int(sent_length)
        assert answer["bodySize"] == answer["content"]["size"] == len(answer["content"]["text"].encode())
        assert answer["bodySize"] == int(answer_length)
        shapes.append((sent["bodySize"], answer["bodySize"]))
    # Different lengths went out; the placeholders are as long as each other, so the sizes are too.
    assert shapes[0] == shapes[1]


def test_a_field_marked_personal_in_a_copy_of_the_spec_is_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate = importlib.import_module("tools.codegen.generate")
    spec = malomo_spec.parse_yaml(generate.SPEC.read_text())
    label = spec["components"]["schemas"]["Event"]["properties"]["label"]
    assert "x-personal-data" not in label, "pick another field: this one is personal already"
    label["x-personal-data"] = True
    spec_file, config = tmp_path / "spec.yaml", tmp_path / "config.yaml"
    spec_file.write_text(malomo_spec.dump_yaml(spec))
    config.write_text("package_name_override: marked_client\nproject_name_override: marked\n")
    generate.generate(tmp_path / "marked_client", spec_file, config, formatted=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    fields = importlib.import_module("marked_client.personal_fields").PERSONAL_FIELDS
    recorder = malomo.HarRecorder(tmp_path / "marked.har", personal_fields=fields)
    request = httpx.Request("GET", "https://api.gomalomo.com/customers/x/events")
    response = httpx.Response(200, json=[{"label": "Order #1000 fulfilled", "email": "e@example.com"}])
    recorder.record(request, b"", response, response.content, datetime.now(UTC), 0.001)
    (entry,) = har_entries(tmp_path / "marked.har")
    assert json.loads(entry["response"]["content"]["text"]) == [
        {"label": "Label1", "email": "person1@redacted.invalid"}
    ]


def test_a_masked_compressed_answer_is_recorded_without_its_content_length(tmp_path: Path) -> None:
    recorder = malomo.HarRecorder(tmp_path / "gzip.har")
    body = json.dumps({"email": "compressed.person@example.com"}).encode()
    squeezed = gzip.compress(body)
    request = httpx.Request("GET", "https://api.gomalomo.com/customers/x")
    headers = {
        "Content-Encoding": "gzip",
        "Content-Length": str(len(squeezed)),
        "Content-Type": "application/json",
    }
    response = httpx.Response(200, content=squeezed, headers=headers, request=request)
    recorder.record(request, b"", response, body, datetime.now(UTC), 0.001)
    (entry,) = har_entries(tmp_path / "gzip.har")
    answer = entry["response"]
    assert "content-length" not in {h["name"].lower() for h in answer["headers"]}
    assert answer["content"]["size"] == answer["bodySize"] == len(answer["content"]["text"].encode())
    assert "compressed.person" not in answer["content"]["text"]
