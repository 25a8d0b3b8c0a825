"""Reference server over real HTTP: API keys, API versions, request ids, unknown paths and methods, and
the options of `create_app` and `running`."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from mock_api_calls import SPEC, assert_error, every_route

from malomo_mock import RunningServer, create_app, running
from malomo_spec import HTTP_METHODS
from support.customer_bodies import new_customer

# Auth


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong",
        "Basic dXNlcjpwYXNz",
        "Token {key}",
        "Bearer {key}x",
        "Bearer pk_test_publishable",
        "Bearer  {key} extra",
    ],
)
def test_missing_wrong_or_publishable_keys_are_401_on_every_route(
    malomo_server: RunningServer, authorization: str | None
) -> None:
    headers = (
        {} if authorization is None else {"Authorization": authorization.format(key=malomo_server.api_key)}
    )
    with httpx.Client(base_url=malomo_server.base_url, headers=headers, timeout=10) as client:
        for response in every_route(client):
            body = assert_error(response, 401)
            assert body["code"] == "unauthorized"
            assert re.match(WWW_AUTHENTICATE, response.headers["www-authenticate"])


WWW_AUTHENTICATE = SPEC["components"]["headers"]["WWWAuthenticate"]["schema"]["pattern"]
VERSION = SPEC["info"]["version"]
# The vendor media type whose `version` parameter picks the API version, as the spec's `info` states it.
VENDOR: str = SPEC["info"]["x-malomo-media-type"]
OTHER_VERSIONS = [str(int(VERSION) - 1), str(int(VERSION) + 1), "two"]


@pytest.mark.parametrize(
    "accept",
    [
        *[f"{VENDOR}; version={other}" for other in OTHER_VERSIONS],
        f'{VENDOR.upper()};VERSION="{OTHER_VERSIONS[0]}"',
        f"{VENDOR}; version={OTHER_VERSIONS[0]}, application/json",
    ],
)
def test_another_api_version_is_406_on_every_route(api: httpx.Client, accept: str) -> None:
    for response in every_route(api, headers={"Accept": accept}):
        assert assert_error(response, 406)["code"] == "not_acceptable"


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "application/json",
        "*/*",
        VENDOR,
        f"{VENDOR}; version={VERSION}",
        f"{VENDOR}; version={OTHER_VERSIONS[0]}, {VENDOR}; version={VERSION}",
        "text/html",
    ],
)
def test_a_request_naming_no_other_version_is_served(api: httpx.Client, accept: str | None) -> None:
    headers = {} if accept is None else {"Accept": accept}
    request = api.build_request("GET", "/customers", headers=headers)
    if accept is None:
        del request.headers["accept"]
    assert api.send(request).status_code == 200


def test_406_comes_after_the_key_check(malomo_server: RunningServer) -> None:
    headers = {"Accept": f"{VENDOR}; version={OTHER_VERSIONS[0]}"}
    assert_error(httpx.get(f"{malomo_server.base_url}/customers", headers=headers), 401)


def test_bearer_scheme_is_case_insensitive(malomo_server: RunningServer) -> None:
    headers = {"Authorization": f"bearer {malomo_server.api_key}"}
    assert httpx.get(f"{malomo_server.base_url}/customers", headers=headers).status_code == 200


def test_a_publishable_key_is_refused_even_when_configured_as_the_key() -> None:
    with running("pk_live_key") as server:
        for value in ("Bearer pk_live_key", "Bearer  pk_live_key", "bearer pk_live_key"):
            response = httpx.get(f"{server.base_url}/customers", headers={"Authorization": value})
            assert_error(response, 401)


def test_a_non_ascii_key_is_compared_as_utf8_bytes() -> None:
    with running("sk_test_clé") as server:
        ok = httpx.get(
            f"{server.base_url}/customers", headers={b"Authorization": "Bearer sk_test_clé".encode()}
        )
        assert ok.status_code == 200
        latin = httpx.get(
            f"{server.base_url}/customers", headers={b"Authorization": b"Bearer sk_test_cl\xe9"}
        )
        assert_error(latin, 401)


# Errors, unknown paths and methods


def test_every_response_has_a_request_id(api: httpx.Client) -> None:
    ids = set()
    for response in (
        api.get("/customers"),
        api.post("/customers", json=new_customer(email="a@b.co")),
        api.get("/x"),
    ):
        assert re.fullmatch(r"req_[0-9a-f]{16}", response.headers["x-request-id"])
        ids.add(response.headers["x-request-id"])
    assert len(ids) == 3


@pytest.mark.parametrize(
    "path", ["/", "/customer", "/customers/", "/customers/a/b/c", "/events", "/customers//events"]
)
def test_unknown_paths_are_404_with_the_error_body(api: httpx.Client, path: str) -> None:
    assert_error(api.get(path), 404)


# Only methods HTTP parsers know: httptools (the `mock` extra's parser) answers an unknown token such as
# `FOO` with its own 400 before the app sees the request.
PARSED_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "QUERY")


def _undocumented_methods() -> list[Any]:
    """Each path of the spec (its parameters filled), the methods the spec documents there (the `Allow`
    value, in HTTP_METHODS order) and the parsed methods it does not."""
    probes = []
    for template, item in SPEC["paths"].items():
        documented = [method.upper() for method in HTTP_METHODS if method in item]
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), template)
        # GET answers HEAD where GET is documented (Starlette), so HEAD is not undocumented there.
        others = [
            m for m in PARSED_METHODS if m not in documented and not (m == "HEAD" and "GET" in documented)
        ]
        # Stable test ids (pytest-xdist workers must collect the same names), not the random uuids.
        probes.append(pytest.param(path, ", ".join(documented), others, id=template))
    return probes


@pytest.mark.parametrize(("path", "allowed", "methods"), _undocumented_methods())
def test_undocumented_methods_are_405_with_allow(
    api: httpx.Client, path: str, allowed: str, methods: list[str]
) -> None:
    for method in methods:
        response = api.request(method, path)
        assert response.status_code == 405, method
        assert response.headers["allow"] == allowed
        if method != "HEAD":
            assert_error(response, 405)


def test_405_does_not_need_a_key(malomo_server: RunningServer) -> None:
    response = httpx.request("PATCH", f"{malomo_server.base_url}/customers")
    assert response.status_code == 405


def test_create_app_refuses_page_size_below_one() -> None:
    with pytest.raises(ValueError, match="page_size"):
        create_app("sk_test", page_size=0)


def test_running_generates_an_sk_test_key_when_none_is_given() -> None:
    with running() as server:
        assert server.api_key.startswith("sk_test_") and len(server.api_key) > 20
        headers = {"Authorization": f"Bearer {server.api_key}"}
        assert httpx.get(f"{server.base_url}/customers", headers=headers).json() == []
