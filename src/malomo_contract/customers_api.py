"""The plain httpx client the semantic tests talk through: one method per operation, Link-header page walks.

Hand-written on purpose, not the generated `malomo_client`: the suite must see raw wire answers (any status,
header and body, however broken) and send bodies the typed models cannot express (unknown fields, wrong
types, explicit nulls). Every customer it creates is recorded for deletion at session end; it never follows
a link off-origin.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from malomo_contract.customer_records import CreatedCustomers
from malomo_contract.record_fields import ID_FIELD
from malomo_contract.spec_contract import operation
from malomo_contract.spec_values import valid_body

JSON = dict[str, Any]


class ContractViolation(AssertionError):
    """The server broke a promise of the contract; the message says how, and `promise` names it (set by
    `contract_checks.promise` where it is raised). The failure is blamed on `response`'s operation when the
    promise was about one answer, else on the test's last request with a method in `blames` (`@about`)."""

    promise: str | None = None
    response: httpx.Response | None = None
    blames: tuple[str, ...] = ()


@dataclass
class Page:
    """One page of a list: its items and the targets of its `Link` header."""

    url: str
    items: list[JSON]
    next_url: str | None
    prev_url: str | None
    # The answer it came in (what a failure found on this page is blamed on).
    response: httpx.Response | None = field(default=None, repr=False, compare=False)


@dataclass
class Walk:
    """The pages seen while following one `rel` from a first page."""

    rel: str
    pages: list[Page] = field(default_factory=list)
    # Set when the walk stopped because a link pointed back at a page already seen.
    revisited_url: str | None = None
    # Set when the walk stopped because its budget (pages or seconds) ran out: not walked to the end.
    exhausted_budget: bool = False
    seconds: float = 0.0

    @property
    def items(self) -> list[JSON]:
        return [item for page in self.pages for item in page.items]

    @property
    def ids(self) -> list[str]:
        return [str(item.get(ID_FIELD)) for item in self.items]


def link_target(response: httpx.Response, rel: str) -> str | None:
    """The URL of `rel` in the RFC 8288 `Link` header, resolved against the request URL."""
    link = response.links.get(rel)
    if link is None or not link.get("url"):
        return None
    return urljoin(str(response.request.url), link["url"])


def json_or_none(response: httpx.Response) -> Any:
    """The JSON body, or None when there is none."""
    try:
        return response.json()
    except ValueError:
        return None


class CustomersApi:
    """The customer operations over one `httpx.Client` that already carries the base URL and the key."""

    def __init__(self, http: httpx.Client, created: CreatedCustomers) -> None:
        self.http = http
        # Every customer this session created, for the cleanup at its end.
        self.created = created
        self.origin = _origin(str(http.base_url))

    # Raw operations: the response whatever it is, with any created customer recorded.

    def create(self, body: Any) -> httpx.Response:
        response = self.http.post(operation("createCustomer").path, json=body)
        self.created.add_created_by(response)
        return response

    def get(self, customer_id: str) -> httpx.Response:
        return self.http.get(customer_path("getCustomer", customer_id))

    def update(self, customer_id: str, body: Any) -> httpx.Response:
        return self.http.put(customer_path("updateCustomer", customer_id), json=body)

    def delete(self, customer_id: str) -> httpx.Response:
        response = self.http.delete(customer_path("deleteCustomer", customer_id))
        if response.status_code == 204:
            self.created.discard(customer_id)
        return response

    def list_customers(self) -> httpx.Response:
        return self.http.get(operation("listCustomers").path)

    def list_events(self, customer_id: str) -> httpx.Response:
        return self.http.get(customer_path("listCustomerEvents", customer_id))

    # Operations that must succeed: the parsed body, or a ContractViolation naming the operation.

    def create_customer(self, label: str, **fields: Any) -> JSON:
        """A new customer: the spec's required fields (derived from its schema) plus `fields`."""
        body = {**valid_body(operation("createCustomer"), label), **fields}
        return self.expect_object(self.create(body), operation("createCustomer").label)

    def get_customer(self, customer_id: str) -> JSON:
        return self.expect_object(self.get(customer_id), operation("getCustomer").label)

    def update_customer(self, customer_id: str, body: JSON) -> JSON:
        return self.expect_object(self.update(customer_id, body), operation("updateCustomer").label)

    def expect_object(self, response: httpx.Response, what: str) -> JSON:
        """The body of a 200 answer that must be one JSON object (a customer)."""
        document = self.expect_json(response, 200, what)
        if not isinstance(document, dict):
            raise ContractViolation(f"{what}: the answer is not a JSON object: {document!r:.200}")
        return document

    def expect_json(self, response: httpx.Response, status: int, what: str) -> Any:
        if response.status_code != status:
            raise ContractViolation(
                f"{what}: expected {status}, got {response.status_code}: {response.text[:300]!r}"
            )
        media_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            raise ContractViolation(
                f"{what}: answered with Content-Type {media_type!r}, not application/json"
            )
        try:
            return response.json()
        except ValueError:
            raise ContractViolation(
                f"{what}: answered {response.status_code} with a body that is not JSON "
                f"(Content-Type {response.headers.get('content-type')!r})"
            ) from None

    # Page walks.

    def first_page(self, path: str) -> Page:
        return self.page(str(self.http.base_url).rstrip("/") + path)

    def page(self, url: str) -> Page:
        if _origin(url) != self.origin:
            raise ContractViolation(f"a Link target leaves the API origin {self.origin}: {url}")
        response = self.http.get(url)
        items = self.expect_json(response, 200, f"GET {urlsplit(url).path}")
        if not isinstance(items, list):
            raise ContractViolation(
                f"GET {urlsplit(url).path}: a list page is not a JSON array: {items!r:.200}"
            )
        return Page(
            url=url,
            items=[item for item in items if isinstance(item, dict)],
            next_url=link_target(response, "next"),
            response=response,
            prev_url=link_target(response, "prev"),
        )

    def walk(self, first: Page, *, rel: str, max_pages: int, max_seconds: float | None = None) -> Walk:
        """Follow `rel` from `first` until a page lacks it, a link revisits a page, or the budget (pages,
        and seconds when given) ends."""
        walk = Walk(rel=rel, pages=[first])
        seen = {first.url}
        current = first
        started = time.monotonic()
        while True:
            walk.seconds = time.monotonic() - started
            target = current.next_url if rel == "next" else current.prev_url
            if target is None:
                return walk
            if target in seen:
                walk.revisited_url = target
                return walk
            if len(walk.pages) >= max_pages or (max_seconds is not None and walk.seconds >= max_seconds):
                walk.exhausted_budget = True
                return walk
            seen.add(target)
            current = self.page(target)
            walk.pages.append(current)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def customer_path(operation_id: str, customer_id: str) -> str:
    """The path of the operation `operation_id` on one customer (its one path parameter)."""
    called = operation(operation_id)
    return called.url_path(dict.fromkeys(called.path_parameters, customer_id))
