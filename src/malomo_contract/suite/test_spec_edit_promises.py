"""What the spec promises about the kinds of field an edit adds, read from the spec (edit_promises.py): each
array field (non-empty, at and past `maxItems`, items at and past their `maxLength`, read back in order),
each enum (every value), each `default` (a field left out) and each list filter (`x-malomo-filter`).

A test exists only for what the spec has: a spec with no array field has no array test (no empty
parameter set to skip).
"""

from __future__ import annotations

import pytest

from malomo_contract.customers_api import CustomersApi
from malomo_contract.edit_promises import (
    FieldProbe,
    FilterProbe,
    Requests,
    a_field_left_out_reads_back_as_its_default,
    a_filter_keeps_only_matching_items_on_every_page,
    array_is_read_back_in_order,
    array_items_are_kept_at_their_length_limit,
    array_items_of_another_type_are_refused,
    array_past_max_items_is_refused,
    every_enum_value_round_trips,
    field_probes,
    filter_probes,
    writes_of,
)
from malomo_contract.promise_claims import exercises
from malomo_contract.spec_contract import spec

pytestmark = pytest.mark.writes

WRITES = writes_of(spec())
ARRAYS = list(field_probes(WRITES, "array")) if WRITES else []
LIMITED = [probe for probe in ARRAYS if "maxItems" in probe.schema]
ITEM_LIMITED = [probe for probe in ARRAYS if "maxLength" in spec().merged(probe.schema.get("items", {}))]
ENUMS = list(field_probes(WRITES, "enum")) if WRITES else []
DEFAULTS = (
    [probe for probe in field_probes(WRITES, "default") if probe.operation is WRITES.create] if WRITES else []
)
FILTERS = list(filter_probes(WRITES)) if WRITES else []


def _label(probe: FieldProbe | FilterProbe) -> str:
    return probe.label


@pytest.fixture
def requests(api: CustomersApi) -> Requests:
    assert WRITES is not None
    return Requests(WRITES, api.http, api.create)


if ARRAYS:

    @exercises("request type", "response type", "request items type", "response items type")
    @pytest.mark.parametrize("probe", ARRAYS, ids=_label)
    def test_an_array_is_read_back_as_sent_in_order(probe: FieldProbe, requests: Requests) -> None:
        array_is_read_back_in_order(requests, probe)

    @exercises("request items type")
    @pytest.mark.parametrize("probe", ARRAYS, ids=_label)
    def test_array_items_of_another_type_are_refused(probe: FieldProbe, requests: Requests) -> None:
        array_items_of_another_type_are_refused(requests, probe)


if LIMITED:

    @exercises("request maxItems")
    @pytest.mark.parametrize("probe", LIMITED, ids=_label)
    def test_an_array_past_max_items_is_refused(probe: FieldProbe, requests: Requests) -> None:
        array_past_max_items_is_refused(requests, probe)


if ITEM_LIMITED:

    @exercises("request items maxLength")
    @pytest.mark.parametrize("probe", ITEM_LIMITED, ids=_label)
    def test_array_items_are_kept_at_their_length_limit(probe: FieldProbe, requests: Requests) -> None:
        array_items_are_kept_at_their_length_limit(requests, probe)


if ENUMS:

    @exercises("request enum", "response enum")
    @pytest.mark.parametrize("probe", ENUMS, ids=_label)
    def test_every_enum_value_round_trips(probe: FieldProbe, requests: Requests) -> None:
        every_enum_value_round_trips(requests, probe)


if DEFAULTS:

    @exercises("request default", "response default")
    @pytest.mark.parametrize("probe", DEFAULTS, ids=_label)
    def test_a_field_left_out_reads_back_as_its_default(probe: FieldProbe, requests: Requests) -> None:
        a_field_left_out_reads_back_as_its_default(requests, probe)


if FILTERS:

    @exercises("parameter x-malomo-filter")
    @pytest.mark.parametrize("probe", FILTERS, ids=_label)
    def test_a_filter_keeps_only_matching_items_on_every_page(probe: FilterProbe, requests: Requests) -> None:
        a_filter_keeps_only_matching_items_on_every_page(requests, probe)
