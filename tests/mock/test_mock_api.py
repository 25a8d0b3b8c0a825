"""Reference server: CRUD, body validation, auth, errors and method handling over real HTTP."""

from __future__ import annotations

import json
import re
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from malomo_mock import RunningServer, create_app, running
from malomo_mock.openapi_contract import DEFAULT_SPEC
from support.customer_bodies import REQUIRED_ON_CREATE, new_customer

ERROR_KEYS = {"code", "message", "request_id", "status"}
SPEC: dict[str, Any] = yaml.safe_load(DEFAULT_SPEC.read_text(encoding="utf-8"))


def resolved(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SPEC["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def properties(schema_name: str) -> dict[str, dict[str, Any]]:
    """The properties of one of the spec's schemas, `$ref`s followed."""
    schema = SPEC["components"]["schemas"][schema_name]
    return {name: resolved(node) for name, node in schema["properties"].items()}


CREATE_FIELDS = properties("CustomerCreate")


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    return body  # type: ignore[no-any-return]


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/customers", json=new_customer(**{"email": "moira@rosevideo.com", **fields}))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def post_raw(api: httpx.Client, content: bytes, content_type: str = "application/json") -> httpx.Response:
    return api.post("/customers", content=content, headers={"Content-Type": content_type})


# Create, retrieve, update, delete


def test_create_returns_the_customer_with_a_uuid4_and_utc_timestamps(api: httpx.Client) -> None:
    customer = create(api, first_name="Moira", last_name="Rose", phone_number="555-0100")
    assert uuid.UUID(customer["id"]).version == 4
    assert str(uuid.UUID(customer["id"])) == customer["id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", customer["created_at"])
    assert customer["updated_at"] == customer["created_at"]
    assert (customer["first_name"], customer["last_name"], customer["phone_number"]) == (
        "Moira",
        "Rose",
        "555-0100",
    )


def test_create_then_get_returns_exactly_the_same_json(api: httpx.Client) -> None:
    response = api.post("/customers", json=new_customer(email="david@rosevideo.com", first_name="David"))
    fetched = api.get(f"/customers/{response.json()['id']}")
    assert fetched.status_code == 200
    assert fetched.content == response.content


def test_optional_fields_default_to_null(api: httpx.Client) -> None:
    customer = create(api)
    optional = [
        name
        for name, field in CREATE_FIELDS.items()
        if name not in REQUIRED_ON_CREATE and field.get("nullable")
    ]
    assert optional and all(customer[name] is None for name in optional)


def test_update_keeps_fields_left_out_and_clears_explicit_nulls(api: httpx.Client) -> None:
    customer = create(api, first_name="Alexis", last_name="Rose", phone_number="555")
    response = api.put(f"/customers/{customer['id']}", json={"first_name": None, "email": "alexis@rose.com"})
    assert response.status_code == 200
    updated = response.json()
    assert updated["first_name"] is None
    assert updated["email"] == "alexis@rose.com"
    assert updated["last_name"] == "Rose" and updated["phone_number"] == "555"
    assert updated["created_at"] == customer["created_at"]
    assert api.get(f"/customers/{customer['id']}").json() == updated


def test_update_moves_updated_at_strictly_forward_every_time(api: httpx.Client) -> None:
    customer = create(api)
    previous = customer["updated_at"]
    for _ in range(20):
        updated = api.put(f"/customers/{customer['id']}", json={}).json()
        assert updated["updated_at"] > previous >= customer["created_at"]
        previous = updated["updated_at"]


def test_update_refuses_null_email(api: httpx.Client) -> None:
    customer = create(api)
    assert_error(api.put(f"/customers/{customer['id']}", json={"email": None}), 400)
    assert api.get(f"/customers/{customer['id']}").json()["email"] == customer["email"]


def test_delete_answers_204_and_the_customer_is_gone(api: httpx.Client) -> None:
    customer = create(api)
    response = api.delete(f"/customers/{customer['id']}")
    assert response.status_code == 204 and response.content == b""
    assert_error(api.get(f"/customers/{customer['id']}"), 404)
    assert_error(api.delete(f"/customers/{customer['id']}"), 404)
    assert_error(api.put(f"/customers/{customer['id']}", json={}), 404)


def test_delete_removes_events(api: httpx.Client) -> None:
    customer = create(api)
    assert api.get(f"/customers/{customer['id']}/events").status_code == 200
    api.delete(f"/customers/{customer['id']}")
    assert_error(api.get(f"/customers/{customer['id']}/events"), 404)


def test_delete_removes_the_rows_from_the_store() -> None:
    app = create_app("sk_test_store")
    store = app.state.store
    customer = store.create_customer(new_customer(email="a@b.co"))
    assert store.delete_customer(customer["id"])
    rows = store._db.execute(
        "SELECT count(*) FROM events WHERE customer_id = ?", (customer["id"],)
    ).fetchone()
    assert rows[0] == 0
    store.close()


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-uuid",
        "a0a877c6-4164-4e8a-8179-48f8d4752b4",
        "a0a877c64164-4e8a-8179-48f8d4752b4e0",
        "{a0a877c6-4164-4e8a-8179-48f8d4752b4e}",
        "a0a877c6416448a8179a48f8d4752b4e",
        "%20",
        "%00",
        "caf%C3%A9",
        "%F0%9F%98%80",
        "..",
        "a0a877c6-4164-4e8a-8179-48f8d4752b4e%0A",
        "urn:uuid:a0a877c6-4164-4e8a-8179-48f8d4752b4e",
    ],
)
def test_malformed_ids_are_404_for_every_operation(api: httpx.Client, bad_id: str) -> None:
    assert_error(api.get(f"/customers/{bad_id}"), 404)
    assert_error(api.put(f"/customers/{bad_id}", json={}), 404)
    assert_error(api.delete(f"/customers/{bad_id}"), 404)
    assert_error(api.get(f"/customers/{bad_id}/events"), 404)


def test_unknown_id_is_404(api: httpx.Client) -> None:
    assert_error(api.get(f"/customers/{uuid.uuid4()}"), 404)


def test_upper_case_uuid_finds_the_customer(api: httpx.Client) -> None:
    customer = create(api)
    assert api.get(f"/customers/{customer['id'].upper()}").json() == customer


# Events


def test_create_and_update_are_recorded_as_events(api: httpx.Client) -> None:
    customer = create(api, first_name="Stevie")
    updated = api.put(
        f"/customers/{customer['id']}", json={"last_name": "Budd", "first_name": "Stevie"}
    ).json()
    events = api.get(f"/customers/{customer['id']}/events").json()
    assert [event["type"] for event in events] == ["CustomerCreated", "CustomerUpdated"]
    assert events[1]["properties"] == {"changed_fields": ["last_name"]}
    assert events[0]["created_at"] == customer["created_at"]
    assert events[1]["created_at"] == updated["updated_at"]
    for event in events:
        assert list(event) == list(SPEC["components"]["schemas"]["Event"]["properties"])
        assert isinstance(event["timestamp"], int)
        assert abs(event["timestamp"] - int(__import__("time").time())) < 120


# Body validation


def too_long(field: dict[str, Any]) -> str:
    """A value of `field` one character over its maxLength, of its format (an email stays an email)."""
    length: int = field["maxLength"] + 1
    if field.get("format") != "email":
        return "x" * length
    local = "a" * 64
    domain = (("d" * 62 + ".") * length)[: length - len(local) - 1]
    return f"{local}@{domain[:-1]}d" if domain.endswith(".") else f"{local}@{domain}"


def broken(**changes: Any) -> dict[str, Any]:
    """A valid create body with `changes` made to it: the body breaks only the rule they break."""
    return new_customer(**{"email": "a@b.com", **changes})


def without(name: str, **changes: Any) -> dict[str, Any]:
    """A valid create body with `changes` made to it and `name` left out."""
    return {key: value for key, value in broken(**changes).items() if key != name}


# Each body is a valid one with one rule of one field broken.
UNKNOWN_FIELD = "unknown_" + "_".join(CREATE_FIELDS)
BROKEN_BODIES = [
    ("email", without("email")),
    ("email", without("email", first_name="No email")),
    ("email", broken(email=None)),
    ("email", broken(email=5)),
    (UNKNOWN_FIELD, broken(**{UNKNOWN_FIELD: "x"})),
    ("first_name", broken(first_name=1)),
    ("first_name", broken(first_name=["a"])),
    ("first_name", broken(first_name=True)),
    *[
        (name, broken(**{name: too_long(field)}))
        for name, field in CREATE_FIELDS.items()
        if "maxLength" in field
    ],
]


@pytest.mark.parametrize(("field", "body"), BROKEN_BODIES, ids=[str(n) for n in range(len(BROKEN_BODIES))])
def test_create_refuses_bodies_that_break_the_schema_naming_the_field(
    api: httpx.Client, field: str, body: dict[str, Any]
) -> None:
    assert assert_error(api.post("/customers", json=body), 400)["message"].startswith(f"{field}:")


def test_max_length_counts_code_points_not_bytes(api: httpx.Client) -> None:
    names, phones = CREATE_FIELDS["first_name"]["maxLength"], CREATE_FIELDS["phone_number"]["maxLength"]
    create(api, first_name="é" * names, phone_number="😀" * phones)
    assert_error(
        api.post("/customers", json=new_customer(email="a@b.com", first_name="é" * (names + 1))), 400
    )


@pytest.mark.parametrize(
    "email",
    [
        "johnny@rosevideo.com",
        "a@a.com",
        "x@x.test",
        "!#$%&'*+-/=?^_`{|}~@example.org",
        "first.last@sub.domain.io",
        "0@0.dev",
        "a@localhost",
        "MiXeD@Example.COM",
        "a" * 64 + "@" + "b" * 60 + ".com",
    ],
)
def test_email_accepts_addresses_hypothesis_generates(api: httpx.Client, email: str) -> None:
    assert create(api, email=email)["email"] == email


@pytest.mark.parametrize(
    "email",
    [
        "",
        "plain",
        "@b.com",
        "a@",
        "a b@c.com",
        "a@b c.com",
        "a@@b.com",
        "a@b..com",
        ".a@b.com",
        "a.@b.com",
        "a@-b.com",
        "a@b.com\n",
        "useratexample.com",
        "ü@b.com",
    ],
)
def test_email_refuses_non_addresses(api: httpx.Client, email: str) -> None:
    assert_error(api.post("/customers", json=new_customer(email=email)), 400)


def test_email_rule_accepts_what_hypothesis_emails_generates() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from malomo_mock.value_rules import is_email

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.emails())
    def check(address: str) -> None:
        assert is_email(address) or len(address) > CREATE_FIELDS["email"]["maxLength"], address

    check()


def test_email_rule_accepts_what_schemathesis_generates() -> None:
    from hypothesis import given, settings
    from schemathesis.specs.openapi.formats import email_values

    from malomo_mock.value_rules import is_email

    @settings(max_examples=300, deadline=None, database=None)
    @given(email_values())
    def check(address: str) -> None:
        assert is_email(address), address

    check()


def test_lone_surrogates_are_refused_not_a_server_error(api: httpx.Client) -> None:
    raw = json.dumps(new_customer(email="a@b.com", first_name="\ud800")).encode()  # the escape `\ud800`
    assert b'"\\ud800"' in raw
    response = post_raw(api, raw)
    assert_error(response, 400)


def test_nul_characters_round_trip(api: httpx.Client) -> None:
    customer = create(api, first_name="a\u0000b")
    assert api.get(f"/customers/{customer['id']}").json()["first_name"] == "a\u0000b"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"nope",
        b"[]",
        b'[{"email": "a@b.com"}]',
        b'"a@b.com"',
        b"null",
        b"42",
        b'{"email": "a@b.com",}',
        b'{"email": NaN}',
        b"\xff\xfe{}",
        b'{"email": "a@b.com", "first_name": "\xc3\x28"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"email": "a@b.com", "first_name": ' + b"1" * 5000 + b"}",
    ],
)
def test_malformed_json_bodies_are_400(api: httpx.Client, raw: bytes) -> None:
    assert_error(post_raw(api, raw), 400)


@pytest.mark.parametrize(
    ("key", "first", "second"),
    [("email", "bad", "ok@x.co"), ("first_name", "A", "B"), ("first_name", None, None)],
)
def test_a_key_given_twice_is_400_naming_it(api: httpx.Client, key: str, first: Any, second: Any) -> None:
    # A valid body with `key` written once more in front of it.
    valid = json.dumps(new_customer(**{"email": "ok@x.co", key: second}))
    raw = (json.dumps({key: first})[:-1] + ", " + valid[1:]).encode()
    assert assert_error(post_raw(api, raw), 400)["message"].startswith(f"{key}:")
    customer = create(api)
    response = api.put(
        f"/customers/{customer['id']}", content=raw, headers={"Content-Type": "application/json"}
    )
    assert assert_error(response, 400)["message"].startswith(f"{key}:")


def test_deep_nesting_inside_an_object_is_400(api: httpx.Client) -> None:
    raw = b'{"email": "a@b.com", "first_name": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001
    assert_error(post_raw(api, raw), 400)


def test_update_refuses_a_json_array_body(api: httpx.Client) -> None:
    customer = create(api)
    response = api.put(
        f"/customers/{customer['id']}", content=b"[]", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/problem+json",
        "",
        "application/json5",
        "application/json; charset=latin-1",
    ],
)
def test_non_json_content_types_are_415(api: httpx.Client, content_type: str) -> None:
    response = post_raw(api, json.dumps(new_customer(email="a@b.com")).encode(), content_type)
    assert_error(response, 415)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
    ],
)
def test_json_content_type_with_parameters_is_accepted(api: httpx.Client, content_type: str) -> None:
    assert post_raw(api, json.dumps(new_customer(email="a@b.com")).encode(), content_type).status_code == 200


def test_update_checks_content_type(api: httpx.Client) -> None:
    customer = create(api)
    response = api.put(f"/customers/{customer['id']}", content=b"{}", headers={"Content-Type": "text/plain"})
    assert_error(response, 415)


def test_body_over_one_mib_is_413(api: httpx.Client) -> None:
    raw = json.dumps(new_customer(email="a@b.com", first_name="x" * (1024 * 1024))).encode()
    assert_error(post_raw(api, raw), 413)


def test_body_of_exactly_one_mib_is_read(api: httpx.Client) -> None:
    head = json.dumps(new_customer(email="a@b.com")).encode()
    raw = head + b" " * (1024 * 1024 - len(head))
    assert post_raw(api, raw).status_code == 200


def test_streamed_body_over_one_mib_without_content_length_is_413(api: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"email": "a@b.com", "first_name": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = api.post("/customers", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_error(response, 413)


def _post_with_claimed_length(server: RunningServer, content_length: int, timeout: float) -> str:
    """Send a raw POST whose Content-Length promises far more than the 2-byte body; return the answer head."""
    host, port = server.base_url.removeprefix("http://").split(":")
    request = (
        f"POST /customers HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {server.api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {content_length}\r\n\r\n{{}}"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        return sock.recv(65536).decode("latin-1")


def test_lying_content_length_over_the_limit_is_413(malomo_server: RunningServer) -> None:
    head = _post_with_claimed_length(malomo_server, 64 * 1024 * 1024, timeout=10)
    assert head.startswith("HTTP/1.1 413 ")


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
    some_id = uuid.uuid4()
    with httpx.Client(base_url=malomo_server.base_url, headers=headers, timeout=10) as client:
        for response in (
            client.get("/customers"),
            client.post("/customers", json=new_customer(email="a@b.com")),
            client.get(f"/customers/{some_id}"),
            client.put(f"/customers/{some_id}", json={}),
            client.delete(f"/customers/{some_id}"),
            client.get(f"/customers/{some_id}/events"),
        ):
            body = assert_error(response, 401)
            assert body["code"] == "unauthorized"
            assert re.match(WWW_AUTHENTICATE, response.headers["www-authenticate"])


WWW_AUTHENTICATE = SPEC["components"]["headers"]["WWWAuthenticate"]["schema"]["pattern"]
VERSION = SPEC["info"]["version"]
# The vendor media type is named only in the spec's prose ("Authentication and versioning").
VENDOR = "application/vnd.malomo+json"
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
    some_id = uuid.uuid4()
    headers = {"Accept": accept}
    for response in (
        api.get("/customers", headers=headers),
        api.post("/customers", json=new_customer(email="a@b.com"), headers=headers),
        api.get(f"/customers/{some_id}", headers=headers),
        api.put(f"/customers/{some_id}", json={}, headers=headers),
        api.delete(f"/customers/{some_id}", headers=headers),
        api.get(f"/customers/{some_id}/events", headers=headers),
    ):
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
@pytest.mark.parametrize(
    ("path", "allowed", "methods"),
    [
        ("/customers", "GET, POST", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "QUERY"]),
        (f"/customers/{uuid.uuid4()}", "GET, PUT, DELETE", ["POST", "PATCH", "OPTIONS", "HEAD"]),
        (f"/customers/{uuid.uuid4()}/events", "GET", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    ],
    # Stable test ids (pytest-xdist workers must collect the same names), not the random uuids.
    ids=["customers", "customer", "events"],
)
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


def test_a_stalled_oversized_body_is_answered_413_without_waiting_forever(
    malomo_server: RunningServer,
) -> None:
    head = _post_with_claimed_length(malomo_server, 2 * 1024 * 1024, timeout=15)
    assert head.startswith("HTTP/1.1 413 ")


def test_server_timestamps_always_carry_six_fraction_digits_so_their_text_sorts_by_time() -> None:
    app = create_app("sk_test_clock")
    store = app.state.store
    store._last_us = 1_799_999_999_999_999  # the next tick would land on a whole second
    customer = store.create_customer(new_customer(email="tick@clock.test"))
    assert customer["created_at"] == "2027-01-15T08:00:00.000001Z"
    store.close()
