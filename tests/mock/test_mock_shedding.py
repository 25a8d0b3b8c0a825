"""The reference server at its connection cap, over raw sockets: it closes the connections that hold no
request (never-served ones first, then idle keep-alives, the longest waiting first) to make room, answers
503 only when every connection it holds is busy, and gives new connections a shorter header timeout while
more than half the cap is open."""

from __future__ import annotations

import json
import resource
import selectors
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest
from test_mock_http_layer import address, assert_error_body, parse_answers, read_until_closed

from malomo_mock import running
from malomo_mock.http_guard import HttpLimits
from support.customer_bodies import new_customer

IDLE_CONNECTIONS = 2000
# Long enough that in these tests only the shedding closes a connection, unless a test shortens it.
NO_TIMEOUT = 600.0


@contextmanager
def open_connections(base_url: str, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections to the server that send nothing."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(socket.create_connection(address(base_url), timeout=10)) for _ in range(count)
        ]


def closed_without_answer(sock: socket.socket) -> bool:
    """Whether the server closed `sock` (waiting for it as long as `read_until_closed` does)."""
    return read_until_closed(sock) == b""


def read_answer(sock: socket.socket) -> bytes:
    """One whole answer (headers and its Content-Length of body) from `sock`, which stays open."""
    sock.settimeout(10)
    received = b""
    while b"\r\n\r\n" not in received or len(received) < answer_length(received):
        chunk = sock.recv(65536)
        assert chunk, f"closed after {received!r}"
        received += chunk
    return received


def answer_length(received: bytes) -> int:
    """The length of the answer whose headers `received` holds."""
    head, _, _ = received.partition(b"\r\n\r\n")
    [length] = [
        line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    ]
    return len(head) + 4 + int(length)


def still_open(connections: list[socket.socket]) -> bool:
    """Whether none of `connections` has anything to read (no answer, no close) right now."""
    with selectors.DefaultSelector() as selector:
        for sock in connections:
            selector.register(sock, selectors.EVENT_READ)
        return not selector.select(timeout=0)


def enough_file_descriptors(needed: int) -> None:
    """Raise this process's soft limit of open files to `needed` (the test's and the server's sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"needs {needed} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def test_a_client_is_served_while_2000_idle_connections_are_held() -> None:
    enough_file_descriptors(2 * IDLE_CONNECTIONS + 200)
    limits = HttpLimits(header_timeout=NO_TIMEOUT, pressed_header_timeout=NO_TIMEOUT)
    assert limits.max_connections < IDLE_CONNECTIONS
    with (
        running("sk_test_shed", limits=limits) as server,
        open_connections(server.base_url, IDLE_CONNECTIONS) as idle,
        httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer sk_test_shed"}) as client,
    ):
        statuses = []
        for _ in range(20):  # a new connection each time, as a client without keep-alive opens them
            statuses.append(client.get("/customers", headers={"Connection": "close"}).status_code)
        assert statuses == [200] * 20
        assert closed_without_answer(idle[0]), "the longest-waiting connection was kept"
        assert still_open(idle[-limits.max_connections // 2 :])


def unfinished_create(api_key: str, body: bytes) -> bytes:
    """The headers of a POST /customers whose body (of `body`'s length) is still to come."""
    return (
        f"POST /customers HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()


def test_at_the_cap_only_a_connection_holding_no_request_is_closed_to_make_room() -> None:
    body = json.dumps(new_customer(email="busy@cap.test")).encode()
    limits = HttpLimits(max_connections=2, header_timeout=NO_TIMEOUT, pressed_header_timeout=NO_TIMEOUT)
    with (
        running("sk_test_cap", limits=limits) as server,
        open_connections(server.base_url, 2) as (first, other),
    ):
        for sock in (first, other):
            sock.sendall(unfinished_create(server.api_key, body))  # both hold a request: busy
        with socket.create_connection(address(server.base_url), timeout=10) as refused:
            [answer] = parse_answers(read_until_closed(refused))
        assert_error_body(answer, 503)
        assert answer.headers["retry-after"].isdigit()

        first.sendall(body)  # answered, `first` now holds no request: an idle keep-alive
        assert read_answer(first).startswith(b"HTTP/1.1 200 ")
        with socket.create_connection(address(server.base_url), timeout=10) as served:
            served.sendall(b"GET /customers HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            [answer] = parse_answers(read_until_closed(served))
        assert answer.status == 401  # served by the app (no key sent)
        assert closed_without_answer(first)
        assert still_open([other])


def test_while_over_half_the_cap_is_open_new_connections_get_the_shorter_header_timeout() -> None:
    limits = HttpLimits(max_connections=4, header_timeout=NO_TIMEOUT, pressed_header_timeout=0.2)
    with running("sk_test_pressed", limits=limits) as server, open_connections(server.base_url, 2) as calm:
        with socket.create_connection(address(server.base_url), timeout=10) as pressed:
            assert closed_without_answer(pressed)
        assert still_open(calm)
