"""Resource methods take plain values (issue 28): an enum field its strings, typed as a Literal of them, and a
nested object a dict typed by its TypedDict (malomo_client.params). The main spec has neither, so a copy of it
gains an enum and a nested object, is generated into a temporary folder, and a small application is run on it
(over an httpx.MockTransport that echoes the body) and type-checked, its mistakes rejected by mypy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api

import malomo_spec
from support import ROOT
from tools.codegen import generate

# A generation, a subprocess and a mypy run over a fresh cache: about 10 s.
pytestmark = pytest.mark.slow

APP = """
import json

import httpx

import malomo
from malomo_client.params import AddressParam

sent: list[object] = []


def echo(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    sent.append(body)
    customer = {
        "id": "a0a877c6-4164-4e8a-8179-48f8d4752b4e", "email": "a@example.com", "first_name": None,
        "last_name": None, "phone_number": None, "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z", **body,
    }
    return httpx.Response(200, json=customer)


client = malomo.Malomo("sk_test_x", base_url="http://api.test", transport=httpx.MockTransport(echo))
home: AddressParam = {"city": "Leeds"}
customer = client.customers.update(
    "a0a877c6-4164-4e8a-8179-48f8d4752b4e", marketing_consent="granted", address=home
)
created = client.customers.create(email="b@example.com", address={"city": "York", "postcode": None})
print(sent)
print(customer.marketing_consent, customer.address.city if customer.address else None)
client.customers.update("a0a877c6-4164-4e8a-8179-48f8d4752b4e", marketing_consent="maybe")  # E: arg-type
client.customers.create(email="c@example.com", address={"town": "Leeds"})  # E: arg-type
"""


@pytest.fixture(scope="module")
def edited_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding malomo_client generated from the spec with `marketing_consent` (an enum) and
    `address` (a nested object) on the customer, its create and its update."""
    folder = tmp_path_factory.mktemp("plain_values")
    spec = malomo_spec.parse_yaml(generate.SPEC.read_text(encoding="utf-8"), str(generate.SPEC))
    schemas = spec["components"]["schemas"]
    schemas["Consent"] = {
        "type": "string",
        "enum": ["granted", "denied"],
        "description": "Marketing consent.",
    }
    schemas["Address"] = {
        "type": "object",
        "description": "A postal address.",
        "additionalProperties": False,
        "required": ["city"],
        "properties": {"city": {"type": "string"}, "postcode": {"type": "string", "nullable": True}},
    }
    for name in ("Customer", "CustomerCreate", "CustomerUpdate"):
        schemas[name]["properties"]["marketing_consent"] = {"$ref": "#/components/schemas/Consent"}
        schemas[name]["properties"]["address"] = {"$ref": "#/components/schemas/Address"}
    (folder / "edited.yaml").write_text(malomo_spec.dump_yaml(spec), encoding="utf-8")
    generate.generate(folder / "malomo_client", folder / "edited.yaml", formatted=False)
    (folder / "app.py").write_text(APP, encoding="utf-8")
    return folder


def test_an_enum_string_and_a_dict_for_a_nested_object_go_out_as_json(edited_client: Path) -> None:
    runnable = "\n".join(line for line in APP.splitlines() if "# E:" not in line)
    paths = os.pathsep.join([str(edited_client), str(ROOT / "src")])
    result = subprocess.run(
        [sys.executable, "-c", runnable],
        env={**os.environ, "PYTHONPATH": paths},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    sent, read = result.stdout.splitlines()
    assert sent == str(
        [
            {"marketing_consent": "granted", "address": {"city": "Leeds"}},
            {"email": "b@example.com", "address": {"city": "York", "postcode": None}},
        ]
    )
    assert read == "granted Leeds"


def test_mypy_takes_the_plain_values_and_rejects_a_wrong_enum_value_or_key(edited_client: Path) -> None:
    config = edited_client / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\n[mypy-malomo_client.*]\nignore_errors = True\n")
    os.environ["MYPYPATH"] = os.pathsep.join([str(edited_client), str(ROOT / "src")])
    try:
        out, _, _ = api.run(
            ["--config-file", str(config), "--cache-dir", str(edited_client / ".mypy_cache"),
             "--no-error-summary", "--show-error-codes", str(edited_client / "app.py")]
        )  # fmt: skip
    finally:
        del os.environ["MYPYPATH"]
    reported = {int(m[1]): m[2] for m in re.finditer(r"app\.py:(\d+): error: .*\[([a-z-]+)\]$", out, re.M)}
    expected = {
        n: m[1] for n, line in enumerate(APP.splitlines(), 1) if (m := re.search(r"# E: (\S+)", line))
    }
    assert reported == expected, out
