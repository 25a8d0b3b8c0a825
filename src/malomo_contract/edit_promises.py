"""What the spec promises about the kinds of field and parameter an edit adds, as probes derived from any
document and checks over plain HTTP: an array (non-empty, at and past `maxItems`, items at and past their
limits, read back in order), an enum (every value round-trips), a `default` (a field left out reads back as
it) and a query filter (`x-malomo-filter`: every item of every page matches, every `Link` keeps it).

The checks take the document and the requests they need, so the suite runs them on the spec it tests and the
kit's own tests on edited copies, against a server that follows the edit and one that ignores it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

import malomo_spec
from malomo_contract.customer_records import tagged_email
from malomo_contract.customers_api import ContractViolation, link_target
from malomo_contract.record_fields import ID_FIELD
from malomo_spec import Document, Operation, QueryFilter

# How many items an array probe sends when the schema states no `maxItems`; and the most it sends.
SOME_ITEMS: Final = 3
MOST_ITEMS: Final = 100
# How many pages a filtered walk may follow.
MAX_FILTERED_PAGES: Final = 50
Create = Callable[[dict[str, Any]], httpx.Response]


@dataclass(frozen=True)
class Writes:
    """The document's create (a body, no path parameter), update (a body on the created item's path) and
    read (GET on that path) of the records whose fields are probed."""

    document: Document
    create: Operation
    update: Operation | None
    read: Operation | None

    def body_fields(self, operation: Operation) -> dict[str, dict[str, Any]]:
        """Each property of the operation's JSON body, its schema merged."""
        schema = self.document.merged(_json_schema(self.document, operation.node.get("requestBody")))
        return {name: self.document.merged(child) for name, child in (schema.get("properties") or {}).items()}

    def required(self, operation: Operation) -> set[str]:
        schema = self.document.merged(_json_schema(self.document, operation.node.get("requestBody")))
        return set(schema.get("required") or ())

    def valid_body(self, label: str) -> dict[str, Any]:
        """A create body with the required fields only."""
        fields = self.body_fields(self.create)
        return {
            name: sample(self.document, fields[name], 0, label) for name in sorted(self.required(self.create))
        }


def _json_schema(document: Document, body: Any) -> Any:
    node = document.resolve(body) if body is not None else None
    media = ((node or {}).get("content") or {}).get("application/json") or {}
    return media.get("schema")


def writes_of(document: Document) -> Writes | None:
    """The create, update and read of the first resource that has a create; None when none has."""
    operations = malomo_spec.operations(document)
    for create in operations:
        if create.method != "POST" or create.path_parameters or "requestBody" not in create.node:
            continue
        items = [
            op
            for op in operations
            if op.path.startswith(create.path + "/") and op.path.count("/") == create.path.count("/") + 1
        ]
        update = next(
            (op for op in items if op.method in ("PUT", "PATCH") and "requestBody" in op.node), None
        )
        read = next((op for op in items if op.method == "GET"), None)
        return Writes(document, create, update, read)
    return None


def sample(document: Document, schema: Mapping[str, Any], variant: int, label: str = "value") -> Any:
    """A valid value of `schema`; each `variant` another one (for strings, within their length limits)."""
    schema = document.merged(schema)
    if "enum" in schema:
        values = [value for value in schema["enum"] if value is not None]
        return values[variant % len(values)]
    kind, form = schema.get("type"), schema.get("format")
    if kind == "string":
        if form == "email":
            return tagged_email(label)
        if form == "uuid":
            return str(uuid.uuid4())
        if form == "date-time":
            return f"20{10 + variant % 80:02d}-01-30T13:30:00Z"
        text = f"{chr(ord('z') - variant % 26)}{variant}"
        limit = schema.get("maxLength")
        text = text[-limit:] if limit is not None else text
        return text.ljust(int(schema.get("minLength", 0)), "x")
    if kind in ("integer", "number"):
        return int(schema.get("minimum", 0)) + variant + (0.5 if kind == "number" else 0)
    if kind == "boolean":
        return variant % 2 == 0
    if kind == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        return [sample(document, schema.get("items", {}), variant + i, label) for i in range(count)]
    properties = schema.get("properties") or {}
    return {name: sample(document, properties[name], variant, label) for name in schema.get("required", ())}


@dataclass(frozen=True)
class FieldProbe:
    """One field of a body that an operation writes, with its schema."""

    operation: Operation
    name: str
    schema: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.operation.operation_id} {self.name}"


def field_probes(writes: Writes, keyword: str) -> Iterator[FieldProbe]:
    """The fields of the create and update bodies whose schema has `keyword` (`type: array` for "array")."""
    for operation in (writes.create, writes.update):
        if operation is None:
            continue
        for name, schema in writes.body_fields(operation).items():
            if (keyword == "array" and schema.get("type") == "array") or keyword in schema:
                yield FieldProbe(operation, name, schema)


class Requests:
    """The requests the checks send: `create` (the caller's, so that it can track what it made) and the
    rest over `http`."""

    def __init__(self, writes: Writes, http: httpx.Client, create: Create) -> None:
        self.writes, self.http, self._create = writes, http, create

    def write(self, probe: FieldProbe, value: Any, label: str) -> tuple[httpx.Response, str]:
        """Send `value` as the probe's field (creating a record first for an update); the answer and what
        was sent."""
        what = f"{probe.operation.label} with `{probe.name}` = {value!r:.80}"
        if probe.operation is self.writes.create:
            return self._create({**self.writes.valid_body(label), probe.name: value}), what
        record = self.created(self.writes.valid_body(label), f"{label} (the record to update)")
        path = probe.operation.url_path(dict.fromkeys(probe.operation.path_parameters, record[ID_FIELD]))
        return self.http.request(probe.operation.method, path, json={probe.name: value}), what

    def created(self, body: dict[str, Any], what: str) -> dict[str, Any]:
        return self.answer(self._create(body), what)

    @staticmethod
    def answer(response: httpx.Response, what: str) -> dict[str, Any]:
        if response.status_code != 200:
            raise ContractViolation(f"{what}: answered {response.status_code}, not 200: {response.text:.300}")
        document = response.json()
        if not isinstance(document, dict):
            raise ContractViolation(f"{what}: the answer is not a JSON object: {document!r:.200}")
        return document

    def read_back(self, written: dict[str, Any], name: str, value: Any, what: str) -> None:
        """The answer, and a read of the record, hold `value` as `name` exactly (a list in its order)."""
        answers = [("the answer", written)]
        if self.writes.read is not None and ID_FIELD in written:
            path = self.writes.read.url_path(
                dict.fromkeys(self.writes.read.path_parameters, written[ID_FIELD])
            )
            answers.append((f"GET {path}", self.answer(self.http.get(path), f"{what}, read back")))
        for where, record in answers:
            if record.get(name) != value:
                raise ContractViolation(
                    f"{what}: `{name}` was sent as {value!r:.120} but {where} holds {record.get(name)!r:.120}"
                )

    def refused(self, response: httpx.Response, what: str) -> None:
        if response.status_code != 400:
            raise ContractViolation(f"{what}: answered {response.status_code}, not 400: {response.text:.200}")


def array_is_read_back_in_order(requests: Requests, probe: FieldProbe, count: int | None = None) -> None:
    """A non-empty array of distinct items (`count`, default `maxItems` or a few), in an order no sort
    gives, is accepted and read back as sent."""
    limit = probe.schema.get("maxItems")
    count = count if count is not None else min(limit if limit is not None else SOME_ITEMS, MOST_ITEMS)
    values = [
        sample(requests.writes.document, probe.schema.get("items", {}), i, "array") for i in range(count)
    ]
    values = values[1:] + values[:1] if len(values) > 2 else values[::-1]
    response, what = requests.write(probe, values, "array")
    requests.read_back(requests.answer(response, what), probe.name, values, what)


def array_past_max_items_is_refused(requests: Requests, probe: FieldProbe) -> None:
    count = int(probe.schema["maxItems"]) + 1
    values = [
        sample(requests.writes.document, probe.schema.get("items", {}), i, "array") for i in range(count)
    ]
    requests.refused(*requests.write(probe, values, "array-too-long"))


def array_items_of_another_type_are_refused(requests: Requests, probe: FieldProbe) -> None:
    """An array holding one item of another JSON type than the items' is refused."""
    kind = requests.writes.document.merged(probe.schema.get("items", {})).get("type")
    wrong = {"string": 42, "integer": "42", "number": "4.2", "boolean": "true", "object": "{}"}.get(
        str(kind), {}
    )
    requests.refused(*requests.write(probe, [wrong], "array-item-type"))


def array_items_are_kept_at_their_length_limit(requests: Requests, probe: FieldProbe) -> None:
    """An item exactly as long as the items' `maxLength` is read back; one character more is refused."""
    limit = int(requests.writes.document.merged(probe.schema["items"])["maxLength"])
    response, what = requests.write(probe, ["x" * limit], "array-item")
    requests.read_back(requests.answer(response, what), probe.name, ["x" * limit], what)
    requests.refused(*requests.write(probe, ["x" * (limit + 1)], "array-item-too-long"))


def every_enum_value_round_trips(requests: Requests, probe: FieldProbe) -> None:
    for value in probe.schema["enum"]:
        if value is None:
            continue
        response, what = requests.write(probe, value, "enum")
        requests.read_back(requests.answer(response, what), probe.name, value, what)


def a_field_left_out_reads_back_as_its_default(requests: Requests, probe: FieldProbe) -> None:
    what = f"{probe.operation.label} without `{probe.name}` (default {probe.schema['default']!r})"
    written = requests.created(requests.writes.valid_body("default"), what)
    requests.read_back(written, probe.name, probe.schema["default"], what)


@dataclass(frozen=True)
class FilterProbe:
    """A list operation's filter whose field the create body sets."""

    operation: Operation
    filter: QueryFilter
    schema: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.operation.operation_id} {self.filter.parameter}"


def filter_probes(writes: Writes) -> Iterator[FilterProbe]:
    fields = writes.body_fields(writes.create)
    for operation in malomo_spec.operations(writes.document):
        if operation.method != "GET" or operation.path != writes.create.path:
            continue
        for found in malomo_spec.query_filters(writes.document, operation.parameters_in("query")):
            if found.field in fields:
                yield FilterProbe(operation, found, fields[found.field])


def a_filter_keeps_only_matching_items_on_every_page(requests: Requests, probe: FilterProbe) -> None:
    """Records with the value and one without are created; a walk of the filtered list from its first page
    holds the former only, and every `Link` target keeps the parameter."""
    document, field, parameter = requests.writes.document, probe.filter.field, probe.filter.parameter
    wanted, other = sample(document, probe.schema, 1, "filter"), sample(document, probe.schema, 2, "other")
    body = requests.writes.valid_body("filter")
    made = [
        requests.created({**body, field: value}, f"create with {field} {value!r}")
        for value in (wanted, other, wanted)
    ]
    url = f"{probe.operation.path}?{urlencode({parameter: wanted})}"
    seen: list[Any] = []
    for _ in range(MAX_FILTERED_PAGES):
        what = f"GET {url}"
        response = requests.http.get(url)
        if response.status_code != 200 or not isinstance(response.json(), list):
            raise ContractViolation(f"{what}: answered {response.status_code}: {response.text:.200}")
        strays = [item.get(field) for item in response.json() if item.get(field) != wanted]
        if strays:
            raise ContractViolation(
                f"{what}: the list holds items whose `{field}` is not {wanted!r}: {strays[:3]!r:.200}"
            )
        seen += [item.get(ID_FIELD) for item in response.json()]
        for rel, link in response.links.items():
            kept = parse_qs(urlsplit(link.get("url", "")).query).get(parameter)
            if kept != [str(wanted)]:
                raise ContractViolation(
                    f"{what}: the `Link` rel={rel!r} target drops `{parameter}`: {link.get('url')}"
                )
        following = link_target(response, "next")
        if following is None:
            break
        url = following
    missing = [record[ID_FIELD] for record in (made[0], made[2]) if record[ID_FIELD] not in seen]
    if missing:
        raise ContractViolation(
            f"GET {probe.operation.path}?{parameter}=...: created matching records missing: {missing}"
        )
