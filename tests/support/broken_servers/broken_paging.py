"""Variants that break paging: a page that loses records, a cursor that loops or skips, `next` and `prev`
swapped, a link at an end of the list that should have none.

`next` and `prev` are RFC 8288 link relations here (the spec names its cursor parameters after them)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from support.broken_servers.asgi_rewrites import (
    Headers,
    Wrap,
    answer,
    header,
    json_or_none,
    response_rewrite,
    rewrite_response,
    set_header,
)
from support.broken_servers.broken_variant import BrokenVariant
from support.broken_servers.spec_facts import LINK_HEADER, LIST_STATUS

PAST_THE_END = "contract-probe-past-the-end"


def _list_skips_last_of_each_page(
    scope: Scope, status: int, headers: Headers, body: bytes
) -> tuple[int, Headers, bytes]:
    link = header(headers, LINK_HEADER) or b""
    items = json_or_none(body)
    if status == LIST_STATUS and b'rel="next"' in link and isinstance(items, list) and items:
        body = json.dumps(items[:-1]).encode()
    return status, headers, body


def _page_url(scope: Scope, query: bytes) -> bytes:
    host = header(list(scope["headers"]), b"host") or b"127.0.0.1"
    path: str = scope["path"]
    return b"http://" + host + path.encode() + b"?" + query


def _cursor_loops(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
    """From the second page on, `next` points at the page itself."""
    query = scope.get("query_string", b"")
    link = header(headers, LINK_HEADER)
    if status != LIST_STATUS or link is None or not query.startswith(b"next="):
        return status, headers, body
    link = re.sub(rb"<[^>]*>; rel=\"next\"", b"<" + _page_url(scope, query) + b'>; rel="next"', link)
    return status, set_header(headers, LINK_HEADER, link), body


def _links_swapped(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
    """The seed's customers-table reading: `prev` = after, `next` = before."""
    link = header(headers, LINK_HEADER)
    if link is None:
        return status, headers, body
    swapped = link.replace(b'rel="next"', b'rel="__"').replace(b'rel="prev"', b'rel="next"')
    return status, set_header(headers, LINK_HEADER, swapped.replace(b'rel="__"', b'rel="prev"')), body


def _next_skips_one_record(
    scope: Scope, status: int, headers: Headers, body: bytes
) -> tuple[int, Headers, bytes]:
    """A cursor that skips one record: every page reached by `next` leaves out its first item."""
    items = json_or_none(body)
    reached_by_next = scope.get("query_string", b"").startswith(b"next=")
    if status == LIST_STATUS and reached_by_next and isinstance(items, list) and items:
        body = json.dumps(items[1:]).encode()
    return status, headers, body


def _extra_link_at_the_ends(rel: bytes, when: Callable[[bytes, bytes], bool]) -> Wrap:
    """A list answer that `when(query, link)` selects gets a `rel` link to an empty page."""

    def rewrite(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        link = header(headers, LINK_HEADER) or b""
        query = scope.get("query_string", b"")
        if status != LIST_STATUS or not isinstance(json_or_none(body), list) or not when(query, link):
            return status, headers, body
        target = _page_url(scope, rel + b"=" + PAST_THE_END.encode())
        extra = b"<" + target + b'>; rel="' + rel + b'"'
        return (
            status,
            set_header(headers, LINK_HEADER, b", ".join(part for part in (link, extra) if part)),
            body,
        )

    def wrap(app: ASGIApp, key: str) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and PAST_THE_END.encode() in scope.get("query_string", b""):
                await answer(send, LIST_STATUS, [(b"content-type", b"application/json")], b"[]")
                return
            await rewrite_response(app, rewrite)(scope, receive, send)

        return middleware

    return wrap


LIST_SKIPS_LAST_OF_EACH_PAGE = BrokenVariant(
    "list_skips_last_of_each_page",
    "a list that skips records: the last item of every page but the final one is left out",
    response_rewrite(_list_skips_last_of_each_page),
)
CURSOR_LOOPS = BrokenVariant(
    "cursor_loops",
    "from the second page on, rel=next points at the same page",
    response_rewrite(_cursor_loops),
)
LINKS_SWAPPED = BrokenVariant(
    "links_swapped",
    "Link rel=next and rel=prev swapped (the seed's other reading)",
    response_rewrite(_links_swapped),
)
NEXT_SKIPS_ONE_RECORD = BrokenVariant(
    "next_skips_one_record",
    "a cursor that skips one record: each page reached by rel=next leaves out its first item",
    response_rewrite(_next_skips_one_record),
)
NEXT_LINK_ON_LAST_PAGE = BrokenVariant(
    "next_link_on_last_page",
    "the last page still has rel=next (to an empty page)",
    _extra_link_at_the_ends(b"next", lambda query, link: b'rel="next"' not in link),
)
PREV_LINK_ON_FIRST_PAGE = BrokenVariant(
    "prev_link_on_first_page",
    "the first page has rel=prev (to an empty page)",
    _extra_link_at_the_ends(b"prev", lambda query, link: not query and b'rel="prev"' not in link),
)
