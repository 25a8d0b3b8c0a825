"""Write safety of the contract suite: against a server elsewhere, without `--allow-writes`, the suite sends
nothing that writes and skips every test that would write.

"Elsewhere" is `http://0.0.0.0:PORT`: not a loopback address to the suite, yet on Linux it reaches the
reference server on this machine, which notes every method it is sent.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

import malomo_contract
from malomo_mock import running
from support.contract_suite_runs import CANARY_KEY, PAGE_SIZE, run_suite
from support.customer_bodies import new_customer

# Each test runs the contract suite (in a subprocess or in-process against servers): slow.
pytestmark = pytest.mark.slow

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Tests that write: whole modules (a module-level `writes` mark, read from the suite's source below), and
# tests or parameters in the other modules.
SUITE_DIR = Path(malomo_contract.__file__).parent / "suite"
WRITING_MODULES = {
    path.stem
    for path in SUITE_DIR.glob("test_*.py")
    if re.search(r"^pytestmark = pytest\.mark\.writes$", path.read_text(encoding="utf-8"), re.MULTILINE)
}
WRITING_TESTS = ("test_create_refuses", "test_update_refuses")
WRITING_PARAMETERS = (
    "[POST ",
    "[PUT ",
    "[DELETE ",
    "-PUT-",
    "-DELETE-",
    "createCustomer",
    "updateCustomer",
    "deleteCustomer",
)


def _writes(classname: str, name: str) -> bool:
    return (
        classname.rpartition(".")[2] in WRITING_MODULES
        or name.startswith(WRITING_TESTS)
        or any(parameter in name for parameter in WRITING_PARAMETERS)
    )


def test_read_only_run_sends_no_write_and_skips_every_test_that_writes(tmp_path: Path) -> None:
    methods: list[str] = []

    def note_methods(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                methods.append(scope["method"])
            await app(scope, receive, send)

        return middleware

    with running(api_key=CANARY_KEY, page_size=PAGE_SIZE, wrap_app=note_methods) as server:
        # Customers to read, so that reads reach past 404; written by this test, not by the suite.
        for number in range(3):
            httpx.post(
                f"{server.base_url}/customers",
                json=new_customer(email=f"seed-{number}@malomo-contract-test.example.com"),
                headers={"Authorization": f"Bearer {CANARY_KEY}"},
            ).raise_for_status()
        methods.clear()
        port = server.base_url.rpartition(":")[2]
        run = run_suite(f"http://0.0.0.0:{port}", CANARY_KEY, tmp_path / "junit.xml")
    assert run.exit_code == 0, run.stdout[-3000:] + run.stderr[-1000:]
    assert "read-only (pass --allow-writes to write)" in run.stdout
    assert [method for method in methods if method in WRITE_METHODS] == []
    assert methods.count("GET") > 50  # the reads did run (the quick profile sends about 65)
    cases = list(ElementTree.fromstring(run.junit_xml).iter("testcase"))
    skipped_for_writes = {
        case.get("name")
        for case in cases
        if (skipped := case.find("skipped")) is not None
        and "need --allow-writes" in skipped.get("message", "")
    }
    # A test with no case for this spec (an empty parameter set: no operation answers 204) writes nothing.
    writing = {
        case.get("name")
        for case in cases
        if _writes(case.get("classname", ""), case.get("name", ""))
        and not case.get("name", "").endswith("[NOTSET]")
    }
    assert skipped_for_writes == writing
    assert len(writing) > 50 and len(cases) - len(writing) > 20
