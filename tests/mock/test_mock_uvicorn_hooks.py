"""http_guard subclasses uvicorn's private httptools protocol: every uvicorn method it overrides or calls, and
every attribute it reads, must still exist with the signature it was written for. A uvicorn release that
moves one fails here, naming the hook, rather than as a server that silently stops holding its limits."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from malomo_mock import http_guard
from malomo_mock.http_guard import GuardedHttpToolsProtocol

GUARD_SOURCE = inspect.getsource(http_guard)
UVICORN_SOURCE = inspect.getsource(httptools_impl)
# Base methods http_guard calls without overriding them, with the parameters it passes (uvicorn 0.55).
CALLED_ONLY = {"_start_asgi_task": ["self", "cycle", "app"], "on_response_complete": ["self"]}
# Names of the cycles (RequestResponseCycle) in http_guard's code.
CYCLE_VARIABLES = ("cycle", "current", "queued", "refused_cycle")


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def own_methods() -> dict[str, Callable[..., Any]]:
    return {n: f for n, f in vars(GuardedHttpToolsProtocol).items() if inspect.isfunction(f)}


def own_attributes() -> set[str]:
    """The attributes http_guard's protocol adds in its `__init__`, and its limits (what it assigns elsewhere
    are uvicorn's own attributes, which must still exist)."""
    source = inspect.getsource(GuardedHttpToolsProtocol.__init__)
    return set(re.findall(r"self\.(\w+)(?:: [^=\n]+)? = ", source)) | {"limits"}


def set_by_uvicorn(name: str, owner: type) -> bool:
    """True when uvicorn's module assigns `self.<name>` or `owner` has it as a class attribute."""
    return hasattr(owner, name) or re.search(rf"self\.{name}\b(?:: [^=\n]+)? = ", UVICORN_SOURCE) is not None


@pytest.mark.parametrize("name", sorted(set(own_methods()) - {"__init__"}))
def test_each_method_http_guard_defines_overrides_uvicorn_s_with_its_signature_or_is_its_own(
    name: str,
) -> None:
    ours = own_methods()[name]
    if name.startswith("_") and not hasattr(HttpToolsProtocol, name):
        return  # a helper of http_guard's own, which no uvicorn method of the name shadows
    assert hasattr(HttpToolsProtocol, name), (
        f"http_guard overrides HttpToolsProtocol.{name}, which uvicorn no longer has: the hook never runs"
    )
    base = getattr(HttpToolsProtocol, name)
    assert parameters(base) == parameters(ours), (
        f"HttpToolsProtocol.{name} changed signature: uvicorn has {inspect.signature(base)},"
        f" http_guard overrides it as {inspect.signature(ours)}"
    )


def test_http_guard_s_own_helpers_shadow_no_uvicorn_method() -> None:
    helpers = {name for name in own_methods() if name.startswith("_") and not name.startswith("__")}
    shadowed = sorted(name for name in helpers if hasattr(HttpToolsProtocol, name))
    overrides = {"__init__"}
    assert not [name for name in shadowed if name not in overrides], (
        f"http_guard's helpers {shadowed} now override uvicorn methods of the same name"
    )


def test_the_uvicorn_constructor_http_guard_forwards_to_takes_what_uvicorn_passes() -> None:
    assert parameters(HttpToolsProtocol.__init__)[:4] == ["self", "config", "server_state", "app_state"], (
        f"HttpToolsProtocol.__init__ changed: {inspect.signature(HttpToolsProtocol.__init__)}"
    )


@pytest.mark.parametrize("name", sorted(CALLED_ONLY))
def test_each_uvicorn_method_http_guard_calls_exists_with_its_signature(name: str) -> None:
    assert re.search(rf"self\.{name}\b", GUARD_SOURCE), (
        f"http_guard no longer uses {name}: update CALLED_ONLY"
    )
    assert hasattr(HttpToolsProtocol, name), (
        f"http_guard calls HttpToolsProtocol.{name}, which uvicorn dropped"
    )
    assert parameters(getattr(HttpToolsProtocol, name)) == CALLED_ONLY[name], (
        f"HttpToolsProtocol.{name} changed signature: {inspect.signature(getattr(HttpToolsProtocol, name))}"
    )


def test_every_protocol_attribute_http_guard_reads_is_still_set_by_uvicorn() -> None:
    used = set(re.findall(r"self\.(\w+)", GUARD_SOURCE)) - own_attributes() - set(own_methods())
    missing = sorted(name for name in used if not set_by_uvicorn(name, HttpToolsProtocol))
    assert not missing, f"http_guard reads HttpToolsProtocol attributes uvicorn no longer sets: {missing}"


def test_the_cycle_http_guard_builds_takes_the_arguments_it_passes() -> None:
    call = re.search(r"RequestResponseCycle\((.*?)\n        \)", GUARD_SOURCE, re.DOTALL)
    assert call is not None, "http_guard no longer builds a RequestResponseCycle: update this test"
    passed = re.findall(r"(\w+)=", call.group(1))
    accepted = parameters(RequestResponseCycle.__init__)[1:]
    assert sorted(passed) == sorted(accepted), (
        f"RequestResponseCycle.__init__ changed: uvicorn takes {accepted}, http_guard passes {passed}"
    )


def test_every_cycle_attribute_http_guard_uses_is_still_uvicorn_s() -> None:
    pattern = rf"\b(?:{'|'.join(CYCLE_VARIABLES)})\.(\w+)"
    used = set(re.findall(pattern, GUARD_SOURCE))
    assert "send_500_response" in used, "http_guard no longer replaces send_500_response: update this test"
    missing = sorted(name for name in used if not set_by_uvicorn(name, RequestResponseCycle))
    assert not missing, f"http_guard uses RequestResponseCycle attributes uvicorn no longer has: {missing}"
    replaced = RequestResponseCycle.send_500_response
    assert parameters(replaced) == ["self"], (
        f"RequestResponseCycle.send_500_response changed: {inspect.signature(replaced)}"
    )
