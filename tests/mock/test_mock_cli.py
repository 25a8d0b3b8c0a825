"""The `malomo-mock` command as a subprocess: startup output, key handling, signals, bad input, seeding."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import MALOMO_MOCK, MockProcess
from openapi_schema_validator import OAS30Validator

from support.customer_bodies import new_customer
from support.spec_document import SPEC

# Each test starts malomo-mock as a subprocess (about a second each).
pytestmark = pytest.mark.slow


def run_failing(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MALOMO_MOCK, *args], capture_output=True, text=True, timeout=30)


def test_prints_the_generated_key_and_the_base_url_once_accepting(spawn: type[MockProcess]) -> None:
    mock = spawn(env={"MALOMO_API_KEY": ""})
    key_line = next(line for line in mock.lines if line.startswith("API key: "))
    key = key_line.removeprefix("API key: ")
    assert key.startswith("sk_test_")
    assert mock.base_url.startswith("http://127.0.0.1:")
    response = httpx.get(f"{mock.base_url}/customers", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_key_from_the_environment_is_used_and_not_printed(spawn: type[MockProcess]) -> None:
    mock = spawn(env={"MALOMO_API_KEY": "sk_test_from_env"})
    assert not any("sk_test_from_env" in line for line in mock.lines)
    assert not any(line.startswith("API key") for line in mock.lines)
    ok = httpx.get(f"{mock.base_url}/customers", headers={"Authorization": "Bearer sk_test_from_env"})
    assert ok.status_code == 200


def test_api_key_flag_wins_over_the_environment(spawn: type[MockProcess]) -> None:
    mock = spawn("--api-key", "sk_test_flag", env={"MALOMO_API_KEY": "sk_test_env"})
    assert (
        httpx.get(f"{mock.base_url}/customers", headers={"Authorization": "Bearer sk_test_flag"}).status_code
        == 200
    )
    assert (
        httpx.get(f"{mock.base_url}/customers", headers={"Authorization": "Bearer sk_test_env"}).status_code
        == 401
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_exit_cleanly(spawn: type[MockProcess], sig: int) -> None:
    mock = spawn("--api-key", "sk_test_k")
    assert mock.stop(sig) == 0
    assert "Traceback" not in mock.stderr


def test_sigterm_exit_leaves_no_traceback(tmp_path: Path, spawn: type[MockProcess]) -> None:
    mock = spawn("--api-key", "k", "--db", str(tmp_path / "db"))
    assert mock.stop(signal.SIGTERM) == 0
    assert "Traceback" not in mock.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "/nonexistent/seed.json"], "seed"),
        (["--unknown-flag"], "unrecognized"),
        (["--db", "/nonexistent/dir/db.sqlite"], "store"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_a_non_zero_exit(args: list[str], message: str) -> None:
    result = run_failing("--port", "0", *args)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--page-size", "0"],
        ["--page-size", "-3"],
        ["--page-size", "1001"],
        ["--page-size", "9223372036854775808"],
        ["--page-size", "many"],
        ["--port", "70000"],
        ["--header-timeout", "0"],
        ["--header-timeout", "nan"],
        ["--max-connections", "0"],
    ],
)
def test_an_option_value_out_of_range_is_one_line_and_exit_2(args: list[str]) -> None:
    result = run_failing("--port", "0", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"malomo-mock: error: argument {args[0]}: must be ")


def test_help_states_the_limits_defaults_the_server_uses() -> None:
    from malomo_mock.http_guard import DEFAULT_LIMITS

    shown = subprocess.run([MALOMO_MOCK, "--help"], capture_output=True, text=True, timeout=30).stdout
    help_text = " ".join(shown.split())
    assert f"headers (default {DEFAULT_LIMITS.header_timeout:g})" in help_text
    assert f"503 (default {DEFAULT_LIMITS.max_connections})" in help_text


@pytest.mark.parametrize("page_size", ["1", "1000"])
def test_page_sizes_at_the_bounds_are_served(spawn: type[MockProcess], page_size: str) -> None:
    mock = spawn("--api-key", "k", "--page-size", page_size)
    with httpx.Client(base_url=mock.base_url, headers={"Authorization": "Bearer k"}) as client:
        for n in range(2):
            assert client.post("/customers", json=new_customer(email=f"b{n}@bound.test")).status_code == 200
        assert len(client.get("/customers").json()) == min(2, int(page_size))


def seed_of(*customers: dict[str, Any]) -> str:
    """A seed file's text holding `customers`, each a valid create body (`new_customer`) with one change."""
    return json.dumps({"customers": list(customers)})


SAME_ID = "a0a877c6-4164-4e8a-8179-48f8d4752b4e"


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"customers": {}}',
        seed_of({k: v for k, v in new_customer(first_name="no email").items() if k != "email"}),
        seed_of(new_customer(email="nope")),
        seed_of(new_customer(email="a@b.co", id="not-a-uuid")),
        seed_of(new_customer(email="a@b.co", created_at="yesterday")),
        seed_of(
            new_customer(email="a@b.co", created_at="2020-01-02T00:00:00Z", updated_at="2020-01-01T00:00:00Z")
        ),
        seed_of(new_customer(email="a@b.co", events=[{"type": "X"}])),
        seed_of(new_customer(email="a@b.co", events=[{"type": "X", "label": "x", "timestamp": "now"}])),
        seed_of(new_customer(email="a@b.co", surname="x")),
        seed_of(new_customer(email="a@b.co", first_name="\ud800")),
        seed_of(new_customer(email="a@b.co", id=SAME_ID), new_customer(email="b@b.co", id=SAME_ID)),
    ],
)
def test_an_invalid_seed_file_is_one_line_and_a_non_zero_exit(tmp_path: Path, content: str) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(content)
    result = run_failing("--port", "0", "--seed", str(seed))
    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_one_line_and_a_non_zero_exit() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [MALOMO_MOCK, "--port", str(port), "--api-key", "k"], capture_output=True, text=True, timeout=30
        )
    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1 and str(port) in result.stderr
    assert "Traceback" not in result.stderr


def _as_the_example_and_the_schema(served: Any, example: Any, schema: dict[str, Any]) -> None:
    """`served` has each field of `example` as the example has it, and is valid by `schema` as a whole (the
    fields the spec added after the example was written, or that the example leaves out, too)."""
    for served_item, example_item in (
        zip(served, example, strict=True) if isinstance(example, list) else [(served, example)]
    ):
        assert {name: served_item.get(name) for name in example_item} == example_item
    OAS30Validator({**schema, "components": SPEC["components"]}).validate(served)


def test_sample_seed_serves_the_spec_examples(spawn: type[MockProcess]) -> None:
    sample = Path(__file__).resolve().parents[2] / "src" / "malomo_mock" / "sample_seed.json"
    mock = spawn("--api-key", "sk_test_seed", "--seed", str(sample))

    johnny = SPEC["components"]["examples"]["Johnny"]["value"]
    events_media = SPEC["paths"]["/customers/{customer_id}/events"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]
    customer = {"$ref": "#/components/schemas/Customer"}
    headers = {"Authorization": "Bearer sk_test_seed"}
    served = httpx.get(f"{mock.base_url}/customers/{johnny['id']}", headers=headers).json()
    _as_the_example_and_the_schema(served, johnny, customer)
    listed = httpx.get(f"{mock.base_url}/customers", headers=headers).json()
    _as_the_example_and_the_schema(listed, [johnny], {"type": "array", "items": customer})
    events = httpx.get(f"{mock.base_url}/customers/{johnny['id']}/events", headers=headers).json()
    _as_the_example_and_the_schema(events, events_media["example"], events_media["schema"])


def test_sample_seed_is_shipped_as_package_data() -> None:
    from importlib import resources

    text = resources.files("malomo_mock").joinpath("sample_seed.json").read_text()
    assert json.loads(text)["customers"][0]["email"] == "johnny@rosevideo.com"


def test_customers_created_after_a_seed_sort_after_seeded_ones_with_future_dates(
    tmp_path: Path, spawn: type[MockProcess]
) -> None:
    seed = tmp_path / "future.json"
    seed.write_text(seed_of(new_customer(email="f@future.io", created_at="2999-01-01T00:00:00Z")))
    mock = spawn("--api-key", "k", "--seed", str(seed))
    created = httpx.post(
        f"{mock.base_url}/customers",
        json=new_customer(email="n@now.io"),
        headers={"Authorization": "Bearer k"},
    )
    listed = httpx.get(f"{mock.base_url}/customers", headers={"Authorization": "Bearer k"}).json()
    assert [customer["email"] for customer in listed] == ["f@future.io", "n@now.io"]
    assert created.json()["created_at"] == "2999-01-01T00:00:00.000001Z"


def test_seeding_the_same_db_twice_keeps_one_copy(tmp_path: Path, spawn: type[MockProcess]) -> None:
    sample = Path(__file__).resolve().parents[2] / "src" / "malomo_mock" / "sample_seed.json"
    db = str(tmp_path / "seeded.sqlite")
    assert spawn("--api-key", "k", "--db", db, "--seed", str(sample)).stop() == 0
    mock = spawn("--api-key", "k", "--db", db, "--seed", str(sample))
    assert len(httpx.get(f"{mock.base_url}/customers", headers={"Authorization": "Bearer k"}).json()) == 1
