"""Reference server: request bodies over real HTTP: the schema's rules, JSON, media types and the size
limit."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mock_api_calls import CREATE_FIELDS, SPEC, assert_error, create, post_raw

from malomo_mock import RunningServer
from support.customer_bodies import new_customer

# Body validation


# The largest request body served, as the spec's `info` states it.
MAX_BODY_BYTES: int = SPEC["info"]["x-malomo-max-body-bytes"]


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
# A short name no field of the spec has (one built from the fields' names outgrows the 64 characters an
# error message quotes of a name once the spec gains a field or two).
UNKNOWN_FIELD = next(name for n in range(100) if (name := f"unknown_field_{n}") not in CREATE_FIELDS)
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


@pytest.mark.slow
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
    raw = json.dumps(new_customer(email="a@b.com", first_name="x" * MAX_BODY_BYTES)).encode()
    assert_error(post_raw(api, raw), 413)


def test_body_of_exactly_one_mib_is_read(api: httpx.Client) -> None:
    head = json.dumps(new_customer(email="a@b.com")).encode()
    raw = head + b" " * (MAX_BODY_BYTES - len(head))
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
    head = _post_with_claimed_length(malomo_server, 64 * MAX_BODY_BYTES, timeout=10)
    assert head.startswith("HTTP/1.1 413 ")


@pytest.mark.slow
def test_a_stalled_oversized_body_is_answered_413_without_waiting_forever(
    malomo_server: RunningServer,
) -> None:
    head = _post_with_claimed_length(malomo_server, 2 * MAX_BODY_BYTES, timeout=15)
    assert head.startswith("HTTP/1.1 413 ")
