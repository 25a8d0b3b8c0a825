"""Recording traffic with malomo (`connect(record_to=...)`) and checking it with `pytest
src/malomo_contract/suite --recording`: a correct server passes, broken ones fail naming the exchange, no key
or personal data leaks."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import importlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.types import ASGIApp

import malomo
from malomo_client.api.customers import (
    create_customer,
    delete_customer,
    get_customer,
    list_customer_events,
    list_customers,
    update_customer,
)
from malomo_client.models import CustomerCreate, CustomerUpdate
from malomo_contract import recorded_traffic
from malomo_mock import RunningServer, running
from support import ROOT
from support.broken_servers import BROKEN_VARIANTS, BrokenVariant
from support.customer_bodies import new_customer

CANARY_KEY = f"sk_test_RECCANARY{secrets.token_hex(8)}"
CANARY = {
    "email": "canary.quokka.7731@example.com",
    "first_name": "Quokkaline",
    "last_name": "Canaryfield",
    "phone_number": "+1 (415) 867-5309",
}
PAGE_SIZE = 2
SUITE_TIMEOUT = 120
# Variants whose break shows in recorded exchanges, and the exchange (method, path) that must fail.
_ID = "[0-9a-f-]{36}"
BROKEN_EXCHANGES = {
    "phone_number_as_integer": ("GET", f"/customers/{_ID}"),
    "customer_without_updated_at": ("POST", "/customers"),
    "customer_as_text_plain": ("GET", f"/customers/{_ID}"),
    "created_with_201": ("POST", "/customers"),
    "error_without_request_id": ("GET", f"/customers/{_ID}"),
    "error_status_always_400": ("GET", f"/customers/{_ID}"),
    "no_request_id_header": ("GET", f"/customers/{_ID}"),
    "update_not_applied": ("GET", f"/customers/{_ID}"),
    "delete_does_not_delete": ("GET", f"/customers/{_ID}"),
}


def _attempt(step: Any, *args: Any, **kwargs: Any) -> Any:
    """One call of the session; a broken server's answer may raise, the session goes on."""
    try:
        return malomo.call(step, *args, **kwargs)
    except malomo.MalomoError:
        return None


def _created_id(response: httpx.Response) -> str | None:
    """The new customer's id, read leniently: a broken server's answer may not parse as a Customer."""
    try:
        return str(response.json()["id"])
    except (ValueError, KeyError, TypeError):
        return None


def record_session(server: RunningServer, path: Path, *, record_personal_data: bool = False) -> None:
    """Every operation, its success and its errors, sync and async, recorded by malomo to `path`."""
    options: dict[str, Any] = {"base_url": server.base_url, "max_retries": 0, "record_to": path}
    options["record_personal_data"] = record_personal_data
    with malomo.connect(server.api_key, **options) as client:
        http = client.get_httpx_client()  # the client's own httpx client: recorded like every call
        canary_id = _created_id(http.post("/customers", json=CANARY))
        other_id = _created_id(http.post("/customers", json=new_customer(email="second@example.com")))
        refused = CustomerCreate.from_dict(new_customer(email="not-an-email"))
        _attempt(create_customer, client=client, body=refused)  # 400
        for customer_id in (canary_id, other_id):
            if customer_id is None:
                continue
            _attempt(get_customer, customer_id, client=client)
            change = CustomerUpdate(first_name="Renamed", phone_number=None)
            _attempt(update_customer, customer_id, client=client, body=change)
            _attempt(get_customer, customer_id, client=client)
        try:
            list(malomo.paginate(list_customers, client=client))
            if canary_id is not None:
                walk = malomo.paginate(list_customer_events, client=client, customer_id=uuid.UUID(canary_id))
                list(walk)
        except malomo.MalomoError:
            pass
        if other_id is not None:
            _attempt(delete_customer, other_id, client=client)
            _attempt(get_customer, other_id, client=client)  # 404
            _attempt(list_customer_events, other_id, client=client)  # 404
    with malomo.connect("sk_test_wrong_key", **options) as client:
        _attempt(list_customers, client=client)  # 401

    async def async_part() -> None:
        async with malomo.connect(server.api_key, **options) as client:
            customer_id = _created_id(await client.get_async_httpx_client().post("/customers", json=CANARY))
            if customer_id is None:
                return
            calls = [malomo.acall(get_customer, uuid.UUID(customer_id), client=client) for _ in range(3)]
            await asyncio.gather(*calls, return_exceptions=True)
            async for _ in malomo.apaginate(list_customers, client=client):
                pass

    with contextlib.suppress(malomo.MalomoError):
        asyncio.run(async_part())


@dataclass(frozen=True)
class CheckRun:
    exit_code: int
    output: str
    # test id -> failure message (None for a test that passed)
    outcomes: dict[str, str | None]


def check_recordings(paths: list[Path], junit: Path) -> CheckRun:
    command = [sys.executable, "-m", "pytest", "src/malomo_contract/suite", "-q", "-p", "no:cacheprovider"]
    command += [f"--junitxml={junit}", *(f"--recording={path}" for path in paths)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=SUITE_TIMEOUT)
    outcomes: dict[str, str | None] = {}
    if junit.exists():
        for case in ElementTree.parse(junit).iter("testcase"):
            failure = case.find("failure")
            name = case.get("name", "")
            outcomes[name] = None if failure is None else (failure.get("message") or failure.text or "")
    return CheckRun(done.returncode, done.stdout + done.stderr, outcomes)


def assert_no_canary(data: str) -> None:
    """Neither the canary key nor any canary personal value (also as the digits of a number) is in `data`."""
    assert CANARY_KEY not in data
    for value in CANARY.values():
        assert value not in data and json.dumps(value)[1:-1] not in data
    assert re.sub(r"\D", "", CANARY["phone_number"]) not in data


def har_entries(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(path.read_text())["log"]["entries"]
    return entries


@pytest.fixture(scope="module")
def canary_server() -> Iterator[RunningServer]:
    with running(CANARY_KEY, page_size=PAGE_SIZE) as server:
        yield server


@pytest.fixture(scope="module")
def session_recording(canary_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recording") / "session.har"
    record_session(canary_server, path)
    return path


KILLED_CHILD = """
import sys, malomo
from malomo_client.api.customers import list_customers
client = malomo.connect(sys.argv[1], base_url=sys.argv[2], record_to=sys.argv[3], max_retries=0)
for number in range(100000):
    malomo.call(list_customers, client=client)
    if number == 20:
        print("recording", flush=True)
"""


@pytest.fixture(scope="module")
def killed_recording(canary_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording whose process was killed with SIGKILL in the middle of its requests."""
    path = tmp_path_factory.mktemp("killed") / "killed.har"
    command = [sys.executable, "-c", KILLED_CHILD, canary_server.api_key, canary_server.base_url, str(path)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline() == "recording\n"
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    return path


def test_sigkill_while_recording_leaves_a_complete_har_file(killed_recording: Path) -> None:
    entries = har_entries(killed_recording)  # strict JSON: the document is closed after every exchange
    assert len(entries) > 20
    assert all(entry["response"]["status"] == 200 for entry in entries)


def test_recorded_sessions_pass_the_contract_check(
    session_recording: Path, killed_recording: Path, tmp_path: Path
) -> None:
    text = killed_recording.read_text()
    cut = tmp_path / "cut.har"  # a file cut inside an exchange, as a crashing proxy might leave it
    cut.write_text(text[: text.rindex('"response"')])
    run = check_recordings([session_recording, killed_recording, cut], tmp_path / "junit.xml")
    assert run.exit_code == 0, run.output
    assert all(message is None for message in run.outcomes.values())
    expected = len(har_entries(session_recording)) + 2 * len(har_entries(killed_recording)) - 1
    assert len(run.outcomes) == expected, run.output
    assert all(name.startswith("test_recorded_exchange_keeps_the_contract[") for name in run.outcomes)
    assert "the file was cut short" in run.output
    methods = {re.sub(r".*#\d+ (\w+) .*", r"\1", name) for name in run.outcomes}
    assert methods == {"GET", "POST", "PUT", "DELETE"}


def _applied(variant: BrokenVariant) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: variant.wrap(app, CANARY_KEY)


def test_broken_servers_fail_the_check_naming_the_exchange(tmp_path: Path) -> None:
    variants = {variant.name: variant for variant in BROKEN_VARIANTS}
    paths: list[Path] = []
    for name in BROKEN_EXCHANGES:
        variant = variants[name]
        with running(CANARY_KEY, page_size=PAGE_SIZE, wrap_app=_applied(variant)) as server:
            record_session(server, tmp_path / f"{name}.har")
        paths.append(tmp_path / f"{name}.har")
    for recording in paths:  # even where a broken server answers in unexpected shapes
        assert_no_canary(recording.read_text())
    run = check_recordings(paths, tmp_path / "junit.xml")
    assert run.exit_code == 1, run.output
    for name, (method, path) in BROKEN_EXCHANGES.items():
        exchange = re.compile(rf"{name}\.har #\d+ {method} {path}$")
        failed = [
            test_id
            for test_id, message in run.outcomes.items()
            if message is not None and exchange.match(test_id.partition("[")[2].rstrip("]"))
        ]
        assert failed, f"{name}: no failure of {method} {path}\n{run.output[-3000:]}"
        first_line = str(run.outcomes[failed[0]]).splitlines()[0]
        assert exchange.search(first_line), run.outcomes[failed[0]]


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("<html>502 Bad Gateway</html>", "not JSON"),
        ('{"entries": []}', "not a HAR file"),
        ('{"log": {"version": "1.2", "creator": {"name": "x", "ver', "cut short before its first exchange"),
    ],
    ids=["not-json", "not-har", "cut-early"],
)
def test_bad_recordings_are_named_by_what_is_wrong(tmp_path: Path, content: str, complaint: str) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text(content)
    with pytest.raises(recorded_traffic.RecordingError, match=complaint):
        recorded_traffic.read_entries(bad)


def test_a_bad_recording_is_refused_in_one_line(tmp_path: Path) -> None:
    not_json = tmp_path / "not-json.har"
    not_json.write_text("<html>502 Bad Gateway</html>")
    run = check_recordings([not_json], tmp_path / "junit.xml")
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert run.exit_code == 4, run.output
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: --recording: {not_json}: not JSON"), run.output


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
        malomo.call(create_customer, client=client, body=CustomerCreate(**CANARY))
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


def test_recorded_traffic_tests_run_only_with_a_recording(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "src/malomo_contract/suite",
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=SUITE_TIMEOUT, env=os.environ
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_recorded_traffic" not in done.stdout
    assert "test_generated_requests.py" in done.stdout


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
    spec = yaml.safe_load(generate.SPEC.read_text())
    label = spec["components"]["schemas"]["Event"]["properties"]["label"]
    assert "x-personal-data" not in label, "pick another field: this one is personal already"
    label["x-personal-data"] = True
    spec_file, config = tmp_path / "spec.yaml", tmp_path / "config.yaml"
    spec_file.write_text(yaml.safe_dump(spec))
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
