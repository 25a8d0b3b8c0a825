"""A failure's reproduction: `curl` lines that send its requests again (secrets filtered), the answer as text,
and every value its requests name (the records the reproduction needs, left in place)."""

from __future__ import annotations

import json
import shlex
from typing import Any

import httpx

from malomo_contract.coverage.records import FailureRecord
from malomo_contract.record_fields import ID_FIELD
from malomo_contract.report_masker import FILTERED

# Request headers left out of the suite's own curl lines: httpx sends them by itself.
CURL_SKIPPED_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


def json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(body_text(response))
    except ValueError:
        return None


def answer_text(response: httpx.Response) -> str:
    """`response` as `HTTP 200` and its whole body (indented JSON when it is JSON)."""
    body = json_or_none(response)
    text = json.dumps(body, indent=2, ensure_ascii=False) if body is not None else body_text(response)
    return (
        f"{response.request.method} {response.request.url.path} answered HTTP {response.status_code}\n{text}"
    )


def named_by(exchanges: list[httpx.Response]) -> set[str]:
    """What `exchanges` name: their path segments and the `id` of each record they answered with."""
    named = {segment for response in exchanges for segment in response.request.url.path.split("/")}
    named |= {
        body[ID_FIELD]
        for response in exchanges
        if isinstance(body := json_or_none(response), dict) and isinstance(body.get(ID_FIELD), str)
    }
    return named - {""}


def answered_id(body: Any) -> set[str]:
    """The `id` of the record an answer carries (a create's new customer), if any."""
    return {body[ID_FIELD]} if isinstance(body, dict) and isinstance(body.get(ID_FIELD), str) else set()


def named_values(case: Any) -> set[str]:
    """Every string a generated request carries in its path parameters, query and body (ids among them)."""
    found: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for inner in value.values():
                collect(inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                collect(inner)
        elif value is not None and not isinstance(value, bool | int | float):
            found.add(str(value))

    for part in (case.path_parameters, case.query, case.body):
        collect(part)
    return found


def json_text(body: Any) -> str:
    try:
        return json.dumps(body, ensure_ascii=False)
    except (TypeError, ValueError):
        return ""


def body_text(message: Any) -> str:
    """The body of an httpx or schemathesis request or response as text; '' when it was not read."""
    try:
        content = message.content
    except (httpx.RequestNotRead, httpx.ResponseNotRead):
        return ""
    return content.decode("utf-8", "replace") if isinstance(content, bytes) else ""


def curl_line(request: httpx.Request) -> str:
    """A `curl` command that sends `request` again, with secret headers shown as `[Filtered]`."""
    # -i: the status and headers are part of the evidence; -w: each answer on its own lines.
    parts = ["curl", "-sS", "-i", "-w", "\\n", "-X", request.method]
    for raw_name, raw_value in request.headers.raw:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        lowered = name.lower()
        if lowered in CURL_SKIPPED_HEADERS or (lowered == "accept" and value == "*/*"):
            continue
        shown = FILTERED if lowered in SECRET_HEADERS else value
        parts += ["-H", f"{name}: {shown}"]
    body = body_text(request)
    if body:
        parts += ["-d", body]
    parts.append(str(request.url))
    return shlex.join(parts)


def reproduction_sections(failure: FailureRecord) -> dict[str, str]:
    """The report sections (title: text) a failed test shows after its traceback: the requests that reproduce
    it and the last answer it saw."""
    blamed = f" (the failure is blamed on {failure.operation})" if failure.operation else ""
    sent = (
        "the failing generated request, as Hypothesis last sent it"
        if failure.generated
        else "the test's requests, in order"
    )
    requests = f"{sent} (your key for {FILTERED}; the customers involved were left in place):\n{failure.curl}"
    sections = {
        f"malomo contract reproduction{blamed}": requests,
        "malomo contract the last answer the test saw, in full": failure.answer,
    }
    return sections
