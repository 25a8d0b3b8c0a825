"""The reference server's HTTP layer over raw sockets: limits that hold without a proxy (header and body
timeouts, header size, connections), Host checks, pipelining, and the Error body on its own answers."""

from __future__ import annotations

import asyncio
import json
import logging
import select
import selectors
import socket
import threading
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from malomo_client.models.error import Error
from malomo_mock import RunningServer, running
from malomo_mock.error_answers import REQUEST_ID_SCOPE_KEY, RequestIdMiddleware
from malomo_mock.http_guard import HttpLimits
from malomo_mock.serving import ServerThread, base_url_of, bind_socket
from support.customer_bodies import new_customer


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def address(base_url: str) -> tuple[str, int]:
    url = httpx.URL(base_url)
    assert url.port is not None
    return url.host, url.port


def read_until_closed(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Everything `sock` receives until the server closes it (a reset counts as closed)."""
    sock.settimeout(timeout)
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def exchange(base_url: str, request: bytes) -> bytes:
    """Send `request` (one packet, maybe several requests) on a new connection; all bytes until closed."""
    with socket.create_connection(address(base_url), timeout=10) as sock:
        sock.sendall(request)
        return read_until_closed(sock)


def parse_answers(raw: bytes) -> list[Answer]:
    """The HTTP/1.1 responses in `raw`, each with a Content-Length."""
    answers = []
    while raw:
        head, _, raw = raw.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = int(headers["content-length"])
        answers.append(Answer(int(status_line.split()[1]), headers, raw[:length]))
        raw = raw[length:]
    return answers


def assert_error_body(answer: Answer, status: int) -> Error:
    """`answer` is `status` with the spec's Error body, whose request id is the `X-Request-Id` header."""
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/json"
    error = Error.from_dict(httpx.Response(status, content=answer.body).json())
    assert error.status == status and not error.additional_properties
    assert isinstance(error.code, str) and isinstance(error.message, str) and error.message
    assert error.request_id == answer.headers["x-request-id"]
    return error


def request(method: str, path: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    lines = [method.encode() + b" " + path + b" HTTP/1.1", *headers]
    if body:
        lines += [b"Content-Type: application/json", b"Content-Length: %d" % len(body)]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def authorized(server: RunningServer) -> bytes:
    return f"Authorization: Bearer {server.api_key}".encode()


# --- the Error body on the HTTP layer's own answers -------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET /customers HTTP/1.1\r\nHost: a\r\nBad Header Name: x\r\n\r\n",
        b"POST /customers HTTP/1.1\r\nHost: a\r\nContent-Length: twelve\r\n\r\n",
        b"POST /customers HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /customers/\xff\xfe-caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
    ],
    ids=["request-line", "header-name", "content-length", "chunk-size", "raw-non-ascii-path"],
)
def test_a_request_the_parser_refuses_gets_the_error_body(server: RunningServer, raw: bytes) -> None:
    [answer] = parse_answers(exchange(server.base_url, raw))
    assert_error_body(answer, 400)


def test_an_http11_request_without_host_is_400(server: RunningServer) -> None:
    [answer] = parse_answers(exchange(server.base_url, request("GET", b"/customers", authorized(server))))
    assert "Host" in assert_error_body(answer, 400).message


@pytest.mark.parametrize("version", [b"1.1", b"1.0"])
def test_a_request_with_two_hosts_is_400(server: RunningServer, version: bytes) -> None:
    raw = request("GET", b"/customers", b"Host: a", b"Host: b", authorized(server))
    [answer] = parse_answers(exchange(server.base_url, raw.replace(b"HTTP/1.1", b"HTTP/1." + version[-1:])))
    assert "Host" in assert_error_body(answer, 400).message


def test_an_http10_request_without_host_is_served(server: RunningServer) -> None:
    raw = b"GET /customers HTTP/1.0\r\n" + authorized(server) + b"\r\n\r\n"
    [answer] = parse_answers(exchange(server.base_url, raw))
    assert answer.status == 200


def test_a_write_then_a_malformed_request_in_one_packet_get_their_own_answers(server: RunningServer) -> None:
    create = request(
        "POST",
        b"/customers",
        b"Host: a",
        authorized(server),
        body=json.dumps(new_customer(email="p@pipe.test")).encode(),
    )
    created, refused = parse_answers(exchange(server.base_url, create + b"BAD REQUEST LINE\r\n\r\n"))
    assert created.status == 200
    assert_error_body(refused, 400)
    customer_id = httpx.Response(200, content=created.body).json()["id"]
    headers = {"Authorization": f"Bearer {server.api_key}"}
    assert httpx.get(f"{server.base_url}/customers/{customer_id}", headers=headers).status_code == 200


def test_pipelined_requests_are_answered_in_order(server: RunningServer) -> None:
    get = request("GET", b"/customers/00000000-0000-4000-8000-000000000000", b"Host: a", authorized(server))
    answers = parse_answers(exchange(server.base_url, get + get + request("GET", b"/customers")))
    assert [answer.status for answer in answers] == [404, 404, 400]


def test_pipelined_requests_over_the_header_limit_in_all_are_each_answered(server: RunningServer) -> None:
    padding = b"X-Padding: " + b"p" * 400
    path = b"/customers/00000000-0000-4000-8000-000000000000"
    get = request("GET", path, b"Host: a", authorized(server), padding)
    answers = parse_answers(exchange(server.base_url, get * 60 + request("GET", b"/customers")))
    assert len(get) * 60 > 16 * 1024
    assert [answer.status for answer in answers] == [404] * 60 + [400]


def test_a_header_trickled_in_small_pieces_is_refused_once_over_the_limit(server: RunningServer) -> None:
    with socket.create_connection(address(server.base_url), timeout=10) as sock:
        sock.sendall(b"GET /customers HTTP/1.1\r\nHost: a\r\nX-Long: ")
        sent = 0
        while sent < 40 and not select.select([sock], [], [], 0.01)[0]:  # until answered, 40 KiB at most
            sock.sendall(b"a" * 1024)
            sent += 1
        answer = read_until_closed(sock)
    assert sent >= 15
    assert_error_body(parse_answers(answer)[0], 431)


@pytest.mark.slow
def test_a_request_cut_off_by_a_stop_gets_a_500_with_the_id_the_app_gave_it_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    given: list[str] = []
    reached = threading.Event()

    async def never_answers(scope: Scope, receive: Receive, send: Send) -> None:
        given.append(scope[REQUEST_ID_SCOPE_KEY])
        reached.set()
        await asyncio.Event().wait()

    sock = bind_socket("127.0.0.1", 0)
    server = ServerThread(RequestIdMiddleware(never_answers), sock, HttpLimits(shutdown_timeout=1))
    server.start()
    try:
        with socket.create_connection(address(base_url_of(sock)), timeout=10) as client:
            client.sendall(request("GET", b"/customers", b"Host: a"))
            assert reached.wait(30), "the request never reached the app"
            stopping = threading.Thread(target=server.stop)
            stopping.start()
            [answer] = parse_answers(read_until_closed(client))
            stopping.join()
    finally:
        server.stop()
    request_id = assert_error_body(answer, 500).request_id
    assert given == [request_id]
    assert any(request_id in record.getMessage() for record in caplog.records if record.levelname == "ERROR")


# --- limits ----------------------------------------------------------------------------------------


def test_connections_that_send_nothing_or_an_unfinished_request_are_closed_by_the_header_timeout() -> None:
    # That other clients are served meanwhile is test_mock_shedding's.
    with running("sk_test_idle", limits=HttpLimits(header_timeout=0.5)) as server, ExitStack() as stack:
        idle = [stack.enter_context(socket.create_connection(address(server.base_url))) for _ in range(300)]
        for sock in idle[::2]:
            sock.sendall(b"GET /customers HTTP/1.1\r\nHo")  # half send an unfinished request
        selector = selectors.DefaultSelector()
        for sock in idle:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + 30
        while selector.get_map() and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=1):
                closed = key.fileobj
                assert isinstance(closed, socket.socket)
                with suppress(ConnectionResetError):
                    assert closed.recv(1024) == b""  # closed, without an answer
                selector.unregister(closed)
        assert not selector.get_map(), f"{len(selector.get_map())} of 300 still open"


def send_huge_header(base_url: str, answers: list[bytes]) -> None:
    """Send a 1 MiB header line; record what the server answered before it closed (nothing if it reset)."""
    with socket.create_connection(address(base_url), timeout=10) as sock:
        with suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"GET /customers HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
        answers.append(read_until_closed(sock))


def test_a_1_mib_header_is_refused_with_431_while_other_clients_are_served() -> None:
    answers: list[bytes] = []
    statuses: list[int] = []
    with running("sk_test_big") as server:
        senders = [
            threading.Thread(target=send_huge_header, args=(server.base_url, answers)) for _ in range(8)
        ]
        with httpx.Client(
            base_url=server.base_url, headers={"Authorization": "Bearer sk_test_big"}
        ) as client:
            for sender in senders:
                sender.start()
            while any(sender.is_alive() for sender in senders) or not statuses:
                statuses.append(client.get("/customers").status_code)
        for sender in senders:
            sender.join()
    assert len(answers) == 8 and set(statuses) == {200}
    for answer in answers:
        if answer:  # else the server reset the connection while the rest of the header was arriving
            assert_error_body(parse_answers(answer)[0], 431)


def unfinished_create(api_key: str) -> bytes:
    """A POST /customers that declares 100 bytes of body and sends one."""
    headers = f"Host: a\r\nAuthorization: Bearer {api_key}\r\nContent-Type: application/json".encode()
    return b"POST /customers HTTP/1.1\r\n" + headers + b"\r\nContent-Length: 100\r\n\r\n{"


def test_a_body_that_stops_arriving_gets_408_after_the_body_timeout(caplog: pytest.LogCaptureFixture) -> None:
    with running("sk_test_slow", limits=HttpLimits(body_timeout=0.5)) as server:
        caplog.clear()  # what the request logs, not the start-up's report on the spec
        [answer] = parse_answers(exchange(server.base_url, unfinished_create(server.api_key)))
    assert_error_body(answer, 408)
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_a_client_gone_mid_body_is_logged_at_debug_level_not_as_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="malomo_mock")
    with (
        running("sk_test_gone") as server,
        socket.create_connection(address(server.base_url), timeout=10) as client,
    ):
        caplog.clear()  # what the request logs, not the start-up's report on the spec
        client.sendall(unfinished_create(server.api_key))
    # The socket closed first, then the stop waited for the request's task: its line is logged by now.
    [gone] = [record for record in caplog.records if record.name == "malomo_mock"]
    assert gone.levelno == logging.DEBUG and "POST /customers" in gone.getMessage()
    assert gone.exc_info is None
