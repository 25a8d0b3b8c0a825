"""Retries, timeouts and typed errors of the malomo runtime against a scripted local fault server.

The reference server cannot answer 503, an HTML 502 or a looping cursor on demand, so these tests
talk over loopback HTTP to a tiny threaded server that plays a script of answers and faults.
"""

from __future__ import annotations

import asyncio
import email.utils
import importlib.metadata
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import httpx
import pytest

import malomo
from malomo_client.api.customers import create_customer, get_customer, list_customers
from malomo_client.models import Customer, CustomerCreate
from support.customer_bodies import new_customer
from support.spec_document import SPEC

KEY = "sk_test_fault_secret_key_5678"
# The customer the fault servers answer with: the spec's own example, so its field set follows the spec.
JOHNNY: dict[str, Any] = SPEC["components"]["examples"]["Johnny"]["value"]
CUSTOMER_ID = str(JOHNNY["id"])
# A valid createCustomer body (the spec's required fields), for the tests that post one.
NEW_CUSTOMER = new_customer(email="a@example.com")


def create_body() -> CustomerCreate:
    return CustomerCreate.from_dict(NEW_CUSTOMER)


@dataclass
class Answer:
    """One scripted HTTP answer; a non-bytes body is sent as JSON."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)


Fault = Literal["hang", "drop"]  # hang: never answer; drop: close the connection without answering
Action = Answer | Fault


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def customer_json(number: int = 0) -> dict[str, Any]:
    """The spec's Johnny example; `number` varies only the id (number 0 keeps Johnny's) and the email."""
    return {
        **JOHNNY,
        "id": str(uuid.UUID(int=number + 1)) if number else CUSTOMER_ID,
        "email": f"c{number}@example.com",
    }


class FaultServer:
    """A threaded HTTP/1.1 server on loopback that answers each request with the next scripted action."""

    def __init__(self, *script: Action, respond: Callable[[Received], Action] | None = None, port: int = 0):
        self._script = list(script)
        self._respond = respond
        self.received: list[Received] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _next_action(self, request: Received) -> Action:
        with self._lock:
            self.received.append(request)
            if self._respond is not None:
                return self._respond(request)
            return self._script.pop(0) if self._script else Answer(200, [])

    def start(self) -> FaultServer:
        fault_server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Received(self.command, self.path, dict(self.headers.items()), body)
                action = fault_server._next_action(request)
                if action == "hang":
                    fault_server._stop.wait(30)
                    self.close_connection = True
                    return
                if action == "drop":
                    self.close_connection = True
                    return
                assert isinstance(action, Answer)
                payload = action.body if isinstance(action.body, bytes) else json.dumps(action.body).encode()
                self.send_response(action.status)
                headers = {"Content-Type": "application/json", **action.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _handle

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SleepRecorder:
    """Stands in for time.sleep / asyncio.sleep: records the requested delays, returns at once."""

    def __init__(self, on_sleep: Callable[[], object] | None = None) -> None:
        self.delays: list[float] = []
        self._on_sleep = on_sleep

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self._on_sleep is not None:
            self._on_sleep()

    async def asleep(self, seconds: float) -> None:
        self(seconds)


def fast_client(server: FaultServer, **options: Any) -> Any:
    options.setdefault("backoff", 0.001)
    return malomo.connect(KEY, base_url=server.base_url, **options)


@pytest.fixture
def caplog_malomo(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


# Retries --------------------------------------------------------------------------------------


def test_503_then_200_succeeds(caplog_malomo: pytest.LogCaptureFixture) -> None:
    with FaultServer(Answer(503, b"busy"), Answer(200, customer_json())) as server:
        customer = malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert isinstance(customer, Customer)
    assert str(customer.id) == CUSTOMER_ID
    assert [r.method for r in server.received] == ["GET", "GET"]
    assert any("Retrying GET" in record.getMessage() for record in caplog_malomo.records)


def test_async_503_then_200_succeeds() -> None:
    with FaultServer(Answer(503), Answer(503), Answer(200, customer_json())) as server:
        client = fast_client(server)
        customer = asyncio.run(malomo.acall(get_customer, uuid.UUID(CUSTOMER_ID), client=client))
    assert isinstance(customer, Customer)
    assert len(server.received) == 3


def test_429_with_retry_after_1_waits_about_one_second() -> None:
    sleep = SleepRecorder()
    with (
        FaultServer(Answer(429, headers={"Retry-After": "1"}), Answer(200, [])) as server,
        httpx.Client(base_url=server.base_url, transport=malomo.RetryTransport(sleep=sleep)) as http,
    ):
        response = http.get("/customers")
    assert response.status_code == 200
    assert sleep.delays == [pytest.approx(1.0)]


def test_async_429_with_retry_after_1_waits_about_one_second() -> None:
    sleep = SleepRecorder()

    async def fetch(base_url: str) -> httpx.Response:
        transport = malomo.AsyncRetryTransport(sleep=sleep.asleep)
        async with httpx.AsyncClient(base_url=base_url, transport=transport) as http:
            return await http.get("/customers")

    with FaultServer(Answer(429, headers={"Retry-After": "1"}), Answer(200, [])) as server:
        response = asyncio.run(fetch(server.base_url))
    assert response.status_code == 200
    assert sleep.delays == [pytest.approx(1.0)]


def test_retry_after_http_date_is_honoured() -> None:
    sleep = SleepRecorder()
    in_three_seconds = email.utils.formatdate(time.time() + 3, usegmt=True)
    with (
        FaultServer(Answer(503, headers={"Retry-After": in_three_seconds}), Answer(200, [])) as server,
        httpx.Client(base_url=server.base_url, transport=malomo.RetryTransport(sleep=sleep)) as http,
    ):
        assert http.get("/customers").status_code == 200
    assert len(sleep.delays) == 1
    assert 1.0 <= sleep.delays[0] <= 3.0


def test_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    with (
        FaultServer(Answer(429, b"", {"Retry-After": "3600", "X-Request-Id": "req_slow"})) as server,
        pytest.raises(malomo.RateLimitError) as caught,
    ):
        malomo.call(list_customers, client=fast_client(server, max_retry_after=60))
    assert caught.value.retry_after == 3600
    assert caught.value.request_id == "req_slow"
    assert len(server.received) == 1


def test_429_that_persists_raises_rate_limit_error_after_the_retries() -> None:
    with (
        FaultServer(respond=lambda _: Answer(429, b"", {"Retry-After": "0"})) as server,
        pytest.raises(malomo.RateLimitError),
    ):
        malomo.call(list_customers, client=fast_client(server, max_retries=2))
    assert len(server.received) == 3


def test_post_after_503_is_not_retried() -> None:
    with (
        FaultServer(Answer(503, b"", {"X-Request-Id": "req_503"}), Answer(200, customer_json())) as server,
        pytest.raises(malomo.ServerError) as caught,
    ):
        malomo.call(create_customer, client=fast_client(server), body=create_body())
    assert caught.value.status == 503 and caught.value.request_id == "req_503"
    assert [r.method for r in server.received] == ["POST"]


def test_post_after_a_connect_error_is_retried(closed_port: int) -> None:
    port = closed_port
    server = FaultServer(Answer(200, customer_json()), port=port)
    sleep = SleepRecorder(on_sleep=server.start)  # the server comes up while the client backs off
    transport = malomo.RetryTransport(sleep=sleep)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport) as http:
            response = http.post("/customers", json=NEW_CUSTOMER)
    finally:
        server.stop()
    assert response.status_code == 200
    assert len(sleep.delays) == 1
    assert [(r.method, json.loads(r.body)) for r in server.received] == [("POST", NEW_CUSTOMER)]


def test_async_post_after_a_connect_error_is_retried(closed_port: int) -> None:
    port = closed_port
    server = FaultServer(Answer(200, customer_json()), port=port)
    sleep = SleepRecorder(on_sleep=server.start)

    async def post() -> httpx.Response:
        transport = malomo.AsyncRetryTransport(sleep=sleep.asleep)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", transport=transport) as http:
            return await http.post("/customers", json=NEW_CUSTOMER)

    try:
        response = asyncio.run(post())
    finally:
        server.stop()
    assert response.status_code == 200
    assert [r.method for r in server.received] == ["POST"]


def test_get_after_a_dropped_connection_is_retried() -> None:
    with FaultServer("drop", Answer(200, customer_json())) as server:
        customer = malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert isinstance(customer, Customer)
    assert len(server.received) == 2


def test_post_after_a_dropped_connection_is_not_retried() -> None:
    with (
        FaultServer("drop", Answer(200, customer_json())) as server,
        pytest.raises(malomo.APIConnectionError) as caught,
    ):
        malomo.call(create_customer, client=fast_client(server), body=create_body())
    assert not isinstance(caught.value, malomo.APITimeoutError)
    assert len(server.received) == 1


@pytest.mark.parametrize(
    "make_copy",
    [
        lambda client: client.with_headers({"X-Extra": "1"}),
        lambda client: client.with_timeout(httpx.Timeout(5.0)),
        lambda client: client.with_cookies({"session": "1"}),
    ],
    ids=["with_headers", "with_timeout", "with_cookies"],
)
def test_copies_of_the_client_still_retry(make_copy: Callable[[Any], Any]) -> None:
    with FaultServer(Answer(503), Answer(200, customer_json())) as server:
        copy = make_copy(fast_client(server))
        customer = malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=copy)
    assert isinstance(customer, Customer)
    assert len(server.received) == 2
    assert server.received[0].headers.get("Authorization") == f"Bearer {KEY}"


def test_max_retries_0_turns_retries_off() -> None:
    with (
        FaultServer(Answer(503), Answer(200, customer_json())) as server,
        pytest.raises(malomo.ServerError),
    ):
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server, max_retries=0))
    assert len(server.received) == 1


def test_backoff_is_exponential_full_jitter_and_capped() -> None:
    policy = malomo.RetryPolicy(backoff=0.5, max_backoff=4.0)
    assert [policy.backoff_delay(n, lambda: 1.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert [policy.backoff_delay(n, lambda: 0.0) for n in range(1, 6)] == [0.0] * 5
    assert policy.backoff_delay(3, lambda: 0.25) == 0.5


def test_backoff_delays_requested_between_retries_stay_within_the_jitter_bounds() -> None:
    sleep = SleepRecorder()
    transport = malomo.RetryTransport(policy=malomo.RetryPolicy(max_retries=4, backoff=1.0), sleep=sleep)
    with (
        FaultServer(Answer(502), Answer(504), Answer(503), Answer(502), Answer(200, [])) as server,
        httpx.Client(base_url=server.base_url, transport=transport) as http,
    ):
        assert http.get("/customers").status_code == 200
    assert len(sleep.delays) == 4
    assert all(0.0 <= delay <= 2 ** (n - 1) for n, delay in enumerate(sleep.delays, start=1))


class TrackedStream(httpx.SyncByteStream):
    def __init__(self, closed: list[bool]) -> None:
        self._closed = closed

    def __iter__(self) -> Iterator[bytes]:
        yield b"busy"

    def close(self) -> None:
        self._closed.append(True)


def test_discarded_answers_are_closed() -> None:
    closed: list[bool] = []
    statuses = iter([503, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(statuses), stream=TrackedStream(closed))

    transport = malomo.RetryTransport(httpx.MockTransport(handler), sleep=SleepRecorder())
    response = transport.handle_request(httpx.Request("GET", "https://api.test/customers"))
    assert response.status_code == 200
    assert closed == [True, True]  # the two 503s; the 200 is the caller's to close


def test_streamed_put_body_is_not_sent_twice() -> None:
    sleep = SleepRecorder()
    with (
        FaultServer(Answer(503), Answer(200, customer_json())) as server,
        httpx.Client(base_url=server.base_url, transport=malomo.RetryTransport(sleep=sleep)) as http,
    ):
        response = http.put("/customers/x", content=iter([b'{"first_name": "A"}']))
    assert response.status_code == 503
    assert sleep.delays == []


# Typed errors on non-JSON and contract-breaking answers ------------------------------------------

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def test_html_502_raises_server_error() -> None:
    html = Answer(502, HTML_502, {"Content-Type": "text/html"})
    with FaultServer(respond=lambda _: html) as server, pytest.raises(malomo.ServerError) as caught:
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server, max_retries=1))
    assert caught.value.status == 502
    assert "Bad Gateway" in str(caught.value)
    assert len(server.received) == 2


def test_declared_404_with_an_html_body_raises_not_found() -> None:
    html = Answer(
        404, b"<html><body>Not here</body></html>", {"Content-Type": "text/html", "X-Request-Id": "r4"}
    )
    with FaultServer(html) as server, pytest.raises(malomo.NotFoundError) as caught:
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert caught.value.request_id == "r4"
    assert not isinstance(caught.value.__context__, json.JSONDecodeError)


def test_async_declared_401_with_an_empty_body_raises_authentication_error() -> None:
    with (
        FaultServer(Answer(401, b"", {"X-Request-Id": "r401"})) as server,
        pytest.raises(malomo.AuthenticationError) as caught,
    ):
        asyncio.run(malomo.acall(list_customers, client=fast_client(server)))
    assert caught.value.request_id == "r401"


def test_200_with_a_body_that_breaks_the_spec_raises_malomo_error() -> None:
    with (
        FaultServer(Answer(200, b"<html>maintenance</html>", {"X-Request-Id": "r200"})) as server,
        pytest.raises(malomo.MalomoError) as caught,
    ):
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (
        200,
        "invalid_response",
        "r200",
    )


def test_undeclared_success_status_raises_instead_of_returning_none() -> None:
    with FaultServer(Answer(201, customer_json())) as server, pytest.raises(malomo.MalomoError) as caught:
        malomo.call(create_customer, client=fast_client(server), body=create_body())
    assert caught.value.code == "unexpected_status"


def test_plain_generated_calls_keep_their_generated_behaviour() -> None:
    with FaultServer(
        Answer(404, {"code": "not_found", "message": "m", "request_id": "r", "status": 404})
    ) as server:
        response = get_customer.sync_detailed(uuid.UUID(CUSTOMER_ID), client=fast_client(server))
    assert response.status_code == 404  # the hook only raises inside malomo.call()


# Pagination faults ----------------------------------------------------------------------------


def looping_pages(request: Received) -> Answer:
    """Every page points at the same next cursor: a server bug that would loop forever."""
    number = 2 if "next=" in request.path else 1
    link = '</customers?next=c2FtZQ>; rel="next"'
    return Answer(200, [customer_json(number)], {"Link": link, "X-Request-Id": f"req_page{number}"})


def test_a_looping_cursor_raises_instead_of_spinning() -> None:
    seen: list[Customer] = []
    with (
        FaultServer(respond=looping_pages) as server,
        pytest.raises(malomo.PaginationLoopError) as caught,
    ):
        seen.extend(malomo.paginate(list_customers, client=fast_client(server)))
    assert len(seen) == 2
    assert len(server.received) == 2
    assert caught.value.request_id == "req_page2"


def test_async_looping_cursor_raises_instead_of_spinning() -> None:
    async def drain(client: Any) -> list[Customer]:
        return [item async for item in malomo.apaginate(list_customers, client=client)]

    with FaultServer(respond=looping_pages) as server, pytest.raises(malomo.PaginationLoopError):
        asyncio.run(drain(fast_client(server)))
    assert len(server.received) == 2


def test_paginate_follows_absolute_link_targets_and_stops_without_next() -> None:
    def pages(request: Received) -> Answer:
        if "next=second" in request.path:
            return Answer(200, [customer_json(2)])
        return Answer(
            200, [customer_json(1)], {"Link": '<http://elsewhere.test/customers?next=second>; rel="next"'}
        )

    with FaultServer(respond=pages) as server:
        emails = [c.email for c in malomo.paginate(list_customers, client=fast_client(server))]
    assert emails == ["c1@example.com", "c2@example.com"]
    assert [r.path for r in server.received] == ["/customers", "/customers?next=second"]


@pytest.mark.parametrize("prefix", ["", "/", "/staging/malomo", "/staging/malomo/"])
def test_requests_go_under_the_base_urls_path(prefix: str) -> None:
    # call() joins the operation's path onto base_url itself (one URL parse instead of three).
    with FaultServer(Answer(200, customer_json()), Answer(200, [])) as server:
        client = malomo.connect(KEY, base_url=server.base_url + prefix)
        malomo.call(get_customer, uuid.UUID(CUSTOMER_ID), client=client)
        asyncio.run(malomo.acall(list_customers, client=client, next_="a b/c"))
    expected = prefix.rstrip("/")
    assert [r.path for r in server.received] == [
        f"{expected}/customers/{CUSTOMER_ID}",
        f"{expected}/customers?next=a+b%2Fc",
    ]


def test_a_failing_page_raises_its_typed_error() -> None:
    def pages(request: Received) -> Answer:
        if "next=" in request.path:
            return Answer(
                400, {"code": "bad_request", "message": "bad cursor", "request_id": "rb", "status": 400}
            )
        return Answer(200, [customer_json(1)], {"Link": '</customers?next=zz>; rel="next"'})

    with FaultServer(respond=pages) as server:
        iterator = malomo.paginate(list_customers, client=fast_client(server))
        assert next(iterator).email == "c1@example.com"
        with pytest.raises(malomo.BadRequestError, match="bad cursor"):
            next(iterator)


# Timeouts -------------------------------------------------------------------------------------


def test_a_server_that_does_not_answer_raises_a_timeout_error() -> None:
    with FaultServer(respond=lambda _: "hang") as server:
        started = time.monotonic()
        with pytest.raises(malomo.APITimeoutError) as caught:
            malomo.call(
                get_customer,
                uuid.UUID(CUSTOMER_ID),
                client=fast_client(server, timeout=httpx.Timeout(0.2, connect=5.0), max_retries=0),
            )
        elapsed = time.monotonic() - started
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert elapsed < 5  # the timeout fired; a missing timeout would hang for the server's 30 s
    assert len(server.received) == 1


def test_async_timeout_raises_a_timeout_error() -> None:
    with FaultServer(respond=lambda _: "hang") as server:
        client = fast_client(server, timeout=httpx.Timeout(0.2, connect=5.0), max_retries=0)
        with pytest.raises(malomo.APITimeoutError):
            asyncio.run(malomo.acall(list_customers, client=client))


def test_get_read_timeout_is_retried_but_post_is_not() -> None:
    with FaultServer(respond=lambda _: "hang") as server:
        client = fast_client(server, timeout=httpx.Timeout(0.2, connect=5.0), max_retries=1)
        with pytest.raises(malomo.APITimeoutError):
            malomo.call(list_customers, client=client)
        assert [r.method for r in server.received] == ["GET", "GET"]
        with pytest.raises(malomo.APITimeoutError):
            malomo.call(create_customer, client=client, body=create_body())
        assert [r.method for r in server.received] == ["GET", "GET", "POST"]


# Headers and secrets --------------------------------------------------------------------------


def test_connect_sends_the_key_version_and_user_agent() -> None:
    with FaultServer(Answer(200, [])) as server:
        malomo.call(list_customers, client=fast_client(server))
    headers = {name.lower(): value for name, value in server.received[0].headers.items()}
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["accept"] == "application/vnd.malomo+json; version=2"
    assert headers["user-agent"] == f"malomo-openapi/{importlib.metadata.version('malomo-openapi')}"


def test_the_key_is_in_no_log_record_or_exception_message(caplog_malomo: pytest.LogCaptureFixture) -> None:
    echo = Answer(
        401, {"code": "unauthorized", "message": f"Unknown key {KEY}", "request_id": "r", "status": 401}
    )
    errors: list[BaseException] = []
    with FaultServer(Answer(503), Answer(502, HTML_502), echo, "drop", "hang", "hang") as server:
        client = fast_client(server, timeout=httpx.Timeout(0.3, connect=5.0), max_retries=2)
        for _ in range(2):
            try:
                malomo.call(list_customers, client=client)
            except malomo.MalomoError as exc:
                errors.append(exc)
                while exc.__cause__ is not None or exc.__context__ is not None:
                    errors.append(exc.__cause__ or exc.__context__)  # type: ignore[arg-type]
                    exc = errors[-1]  # type: ignore[assignment]
    assert len([e for e in errors if isinstance(e, malomo.MalomoError)]) == 2  # 401, then the timeout
    assert caplog_malomo.records, "retries are logged"
    for record in caplog_malomo.records:
        assert KEY not in record.getMessage()
    for error in errors:
        assert KEY not in str(error) and KEY not in repr(error)


@pytest.mark.parametrize(
    "target",
    ["/customers?page=2", "/customers?next=", "http://[::1/customers?next=abc"],
    ids=["other parameter", "empty cursor", "unparsable URL"],
)
def test_a_next_link_without_a_cursor_raises_instead_of_truncating(target: str) -> None:
    link = Answer(200, [customer_json(1)], {"Link": f'<{target}>; rel="next"'})
    with FaultServer(link) as server, pytest.raises(malomo.MalomoError, match="has no `next` cursor"):
        list(malomo.paginate(list_customers, client=fast_client(server)))


@pytest.mark.parametrize(
    "options",
    [
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"max_retries": True},
        {"backoff": -0.1},
        {"max_retry_after": -1},
    ],
)
def test_retry_policy_rejects_bad_settings(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        malomo.RetryPolicy(**options)


def test_put_delete_head_and_options_are_retried_like_get() -> None:
    sleep = SleepRecorder()
    methods = ["PUT", "DELETE", "HEAD", "OPTIONS"]
    with (
        FaultServer(*[answer for _ in methods for answer in (Answer(503), Answer(200))]) as server,
        httpx.Client(base_url=server.base_url, transport=malomo.RetryTransport(sleep=sleep)) as http,
    ):
        assert [http.request(method, "/customers/x").status_code for method in methods] == [200] * 4
    assert [r.method for r in server.received] == [method for method in methods for _ in (1, 2)]
    assert len(sleep.delays) == 4
