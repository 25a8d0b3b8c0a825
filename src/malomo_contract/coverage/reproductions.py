"""A failure's reproduction: `curl` lines that send its requests again (secrets filtered), the answer as text,
and every value its requests name (the records the reproduction needs, left in place)."""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Iterable
from typing import Any

import httpx

from malomo_contract.coverage.records import FailureRecord
from malomo_contract.record_fields import ID_FIELD
from malomo_contract.report_masker import FILTERED

# Request headers left out of the suite's own curl lines: httpx sends them by itself.
CURL_SKIPPED_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
# A longer body (a probe of the body size limit) is written to a file beside the report, not into the line.
MAX_INLINE_BODY = 4000


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


def curl_line(
    request: httpx.Request, files: dict[str, str] | None = None, *, filter_secrets: bool = True
) -> str:
    """A `curl` command that sends `request` again. Secret headers show as `[Filtered]` unless
    `filter_secrets` is off (the collector's masker then filters the one real key, and a made-up key the
    suite sent shows as sent); a body too long for a line goes in `files` when given."""
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
    return curl_command(request.method, str(request.url), headers, body_text(request), files, filter_secrets)


def curl_command(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: str,
    files: dict[str, str] | None = None,
    filter_secrets: bool = False,
    insecure: bool = False,
) -> str:
    """A `curl` command sending `method url` with `headers` and `body`. With `files`, a body longer than
    `MAX_INLINE_BODY` is put there under a name of its own and sent as `--data-binary @name` (the file is
    written beside the report)."""
    # -i: the status and headers are part of the evidence; -w: each answer on its own lines.
    parts = ["curl", "-sS", "-i", "-w", "\\n", *(["--insecure"] if insecure else []), "-X", method]
    for name, value in headers:
        lowered = name.lower()
        if lowered in CURL_SKIPPED_HEADERS or (lowered == "accept" and value == "*/*"):
            continue
        shown = FILTERED if filter_secrets and lowered in SECRET_HEADERS else value
        parts += ["-H", f"{name}: {shown}"]
    if body and files is not None and len(body) > MAX_INLINE_BODY:
        name = f"malomo-contract-body-{hashlib.sha256(body.encode()).hexdigest()[:12]}.txt"
        files[name] = body
        parts += ["--data-binary", f"@{name}"]
    elif body:
        parts += ["-d", body]
    parts.append(url)
    return shlex.join(parts)


def generated_curl(response: Any, files: dict[str, str]) -> str:
    """The `curl` command of a generated request (schemathesis' answer carries it as `requests` prepared
    it), keys as sent."""
    request = response.request
    body = request.body or b""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    insecure = getattr(response, "verify", True) is False
    return curl_command(
        str(request.method), str(request.url), request.headers.items(), text, files, insecure=insecure
    )


def reproduction_sections(failure: FailureRecord) -> dict[str, str]:
    """The report sections (title: text) a failed test shows after its traceback: the requests that reproduce
    it and the last answer it saw."""
    blamed = f" (the failure is blamed on {failure.operation})" if failure.operation else ""
    sent = (
        "the failing generated request, as Hypothesis last sent it"
        if failure.generated
        else "the test's requests, in order"
    )
    files = (
        "; bodies sent as @FILE are written beside the --report / --report-md file: run it there"
        if failure.bodies
        else ""
    )
    requests = (
        f"{sent} (your key for {FILTERED}, other keys as the suite sent them; the customers involved were "
        f"left in place{files}):\n{failure.curl}"
    )
    sections = {
        f"malomo contract reproduction{blamed}": requests,
        "malomo contract the last answer the test saw, in full": failure.answer,
    }
    return sections
