"""What a result carries and how a client shows itself: the request id on every model and page (sync, async,
raw, low-level), the masked repr, ids that equal their text, MALOMO_LOG's lines, copies and closing, the
wrong-base-URL error and cursors that cannot silently restart a walk. Against the reference server, or a
fault server on loopback where the reference server cannot misbehave."""

from __future__ import annotations

import asyncio
import json
import logging
import pydoc
from collections.abc import Iterator

import pytest
from fault_server import KEY, Answer, FaultServer, customer_json

import malomo
from malomo import _logs
from malomo_client.api.customers import get_customer
from malomo_client.models import Event
from malomo_client.personal_fields import PERSONAL_FIELDS
from malomo_mock import RunningServer
from support.customer_bodies import new_customer

PERSONAL = {"email": "ada.secret@example.com", "first_name": "Adaline", "phone_number": "555-0199"}


@pytest.fixture
def client(malomo_server: RunningServer) -> Iterator[malomo.Malomo]:
    with malomo.Malomo(malomo_server.api_key, base_url=malomo_server.base_url, max_retries=0) as opened:
        yield opened


def test_every_model_and_page_carries_its_request_id(client: malomo.Malomo) -> None:
    created = client.customers.create(**new_customer(**PERSONAL))
    fetched = client.customers.retrieve(created.id)
    page = client.customers.list()
    raw = client.customers.with_raw_response.retrieve(created.id)
    ids = [malomo.request_id_of(x) for x in (created, fetched, page, page.items[0], raw, raw.parse())]
    assert all(i and i.startswith("req_") for i in ids), ids
    assert ids[0] != ids[1] != ids[2] and ids[2] == ids[3] and ids[4] == ids[5]
    assert created._request_id == ids[0]  # the attribute request_id_of() reads, as openai-python's
    assert created == fetched  # the request id takes no part in equality
    low_level = malomo.call(get_customer, created.id, client=client._client)
    assert (malomo.request_id_of(low_level) or "").startswith("req_")


def test_async_results_carry_their_request_id(malomo_server: RunningServer) -> None:
    async def run() -> list[str | None]:
        async with malomo.AsyncMalomo(malomo_server.api_key, base_url=malomo_server.base_url) as client:
            created = await client.customers.create(**new_customer())
            page = await client.customers.list()
            return [
                malomo.request_id_of(created),
                malomo.request_id_of(page),
                malomo.request_id_of(page.items[0]),
            ]

    assert all((i or "").startswith("req_") for i in asyncio.run(run()))


def test_repr_masks_the_personal_fields_and_ids_equal_their_text(client: malomo.Malomo) -> None:
    customer = client.customers.create(**new_customer(**PERSONAL))
    shown = repr(customer)
    for value in PERSONAL.values():
        assert value not in shown
    for name in PERSONAL_FIELDS:
        if getattr(customer, name) is not None:
            assert f"{name}='***'" in shown
    assert str(customer.id) in shown and customer.id == str(customer.id).upper()
    assert customer.to_json() == json.dumps(customer.to_dict())


def test_help_shows_unset_defaults_and_the_renamed_json_field() -> None:
    text = pydoc.render_doc(malomo.Malomo.with_options) + pydoc.render_doc(
        type(malomo.Malomo("sk_test_x").customers).update
    )
    assert "= UNSET" in text and "object at 0x" not in text
    assert "`type_` is the JSON field `type`" in (Event.__doc__ or "")


def test_malomo_log_info_tells_a_request_a_retry_and_a_failure_without_key_or_personal_data(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, closed_port: int
) -> None:
    monkeypatch.setenv("MALOMO_LOG", "debug")
    logger = logging.getLogger("malomo")
    level, handlers = logger.level, list(logger.handlers)
    script = (
        Answer(503, {}, {"X-Request-Id": "r1"}),
        Answer(200, customer_json(), {"X-Request-Id": "r2", "Set-Cookie": "s=secret"}),
        Answer(500, b"<html>down</html>", {"X-Request-Id": "r3", "Content-Type": "text/html"}),
    )
    try:
        with FaultServer(*script) as server, caplog.at_level(logging.DEBUG, logger="malomo"):
            client = malomo.connect(KEY, base_url=server.base_url, backoff=0.001, max_retries=1)
            assert logger.level == logging.DEBUG  # MALOMO_LOG, read when the client was built
            malomo.call(get_customer, customer_json()["id"], client=client)
            with pytest.raises(malomo.ServerError):
                malomo.call(get_customer, customer_json()["id"], client=client)
            refused = malomo.connect(KEY, base_url=f"http://127.0.0.1:{closed_port}", max_retries=0)
            with pytest.raises(malomo.APIConnectionError):
                malomo.call(get_customer, customer_json()["id"], client=refused)
    finally:
        logger.setLevel(level)
        logger.handlers[:] = handlers
    lines = [r.getMessage() for r in caplog.records]
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    path = f"/customers/{customer_json()['id']}"
    assert any(f"GET {path} -> 200 request_id=r2" in x and "retries=1" in x for x in info), info
    assert any(f"GET {path} -> 500 request_id=r3" in x and "retries=0" in x for x in info), info
    assert any(f"GET {path} failed: ConnectError" in x for x in info), info
    assert any("'authorization': '[filtered]'" in x for x in lines), lines
    text = "\n".join(lines)
    assert KEY not in text and "s=secret" not in text and customer_json()["email"] not in text


def test_malomo_log_installs_one_handler_and_ignores_other_values(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("malomo")
    level, handlers = logger.level, list(logger.handlers)
    try:
        monkeypatch.setenv("MALOMO_LOG", "info")
        _logs.setup_from_environment()
        _logs.setup_from_environment()
        assert logger.level == logging.INFO
        assert sum(isinstance(h, _logs._MalomoLogHandler) for h in logger.handlers) == 1
        monkeypatch.setenv("MALOMO_LOG", "loud")
        _logs.setup_from_environment()
        assert logger.level == logging.INFO
    finally:
        logger.setLevel(level)
        logger.handlers[:] = handlers


def test_closing_a_copy_leaves_the_original_working_and_settings_read_back(client: malomo.Malomo) -> None:
    with client.with_options(timeout=5, max_retries=2) as copy:
        assert (copy.timeout.read, copy.max_retries, client.max_retries) == (5.0, 2, 0)
        assert "timeout=5.0 max_retries=2 (a with_options copy)" in repr(copy)
        assert copy.base_url == client.base_url and KEY not in repr(copy)
    with pytest.raises(malomo.ClientClosedError, match="closed"):
        copy.customers.list()
    assert client.customers.list().items is not None  # the pool is the original's, still open
    client.close()
    with pytest.raises(malomo.ClientClosedError, match="closed"):
        client.customers.list()
    assert repr(client).startswith("<Malomo closed ")


def test_a_base_url_with_a_path_too_many_is_told_apart_from_a_missing_record(
    client: malomo.Malomo,
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(malomo.NotFoundError):
        client.customers.retrieve(missing)
    wrong = client.with_options(base_url=f"{client.base_url}/v2")
    with pytest.raises(malomo.BaseURLError, match="base URL looks wrong") as caught:
        wrong.customers.retrieve(missing)
    assert caught.value.url == f"{client.base_url}/v2/customers/{missing}" and caught.value.url in str(
        caught.value
    )
    assert not isinstance(caught.value, malomo.NotFoundError)


def test_a_none_cursor_is_refused_instead_of_restarting_the_walk(client: malomo.Malomo) -> None:
    with pytest.raises(TypeError, match="next=None"):
        client.customers.list(next=None)  # type: ignore[arg-type]


def test_connect_reads_the_base_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, malomo_server: RunningServer
) -> None:
    monkeypatch.setenv("MALOMO_BASE_URL", malomo_server.base_url)
    assert malomo.connect(malomo_server.api_key)._base_url == malomo_server.base_url
