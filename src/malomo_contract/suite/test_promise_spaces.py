"""What the spec says a value means, beyond its format: a request id names one request, and a customer's
timestamps are the server's clock at the moment of the write (so later writes have later times).
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from malomo_contract.contract_checks import record_timestamp
from malomo_contract.customers_api import ContractViolation, CustomersApi, json_or_none
from malomo_contract.record_fields import (
    CREATED_AT,
    ERROR_REQUEST_ID,
    ID_FIELD,
    REQUEST_ID_HEADER,
    UPDATED_AT,
)
from malomo_contract.spec_contract import operation
from malomo_contract.spec_values import valid_body

pytestmark = pytest.mark.writes

# How far a write's timestamp may be from the `Date` of its answer: generous, for a slow or busy server.
CLOCK_TOLERANCE = timedelta(minutes=5)


def test_request_ids_name_one_request_each(api: CustomersApi) -> None:
    answers = [api.get(f"not-a-customer-{number}") for number in range(5)]
    answers += [api.create({"not a field": number}) for number in range(3)]
    ids = []
    for response in answers:
        body = json_or_none(response)
        header = response.headers.get(REQUEST_ID_HEADER)
        ids.append(header or (body.get(ERROR_REQUEST_ID) if isinstance(body, dict) else None))
    repeated = sorted({value for value in ids if value is not None and ids.count(value) > 1})
    if repeated or None in ids:
        raise ContractViolation(
            f"{len(answers)} requests were answered with the request ids {ids}: each request has its own"
        )


def test_timestamps_are_the_servers_clock_at_the_write(api: CustomersApi) -> None:
    create = operation("createCustomer")
    earlier = api.create_customer("clock-first")
    answer = api.http.post(create.path, json=valid_body(create, "clock-second"))
    api.created.add_created_by(answer)
    later = api.expect_object(answer, create.label)
    if record_timestamp(later, CREATED_AT) < record_timestamp(earlier, CREATED_AT):
        raise ContractViolation(
            f"{create.label}: a customer created later has an earlier `{CREATED_AT}`: "
            f"{earlier.get(CREATED_AT)!r}, then {later.get(CREATED_AT)!r}"
        )
    date = answer.headers.get("date")
    if date is not None:
        clock = parsedate_to_datetime(date)
        for name in (CREATED_AT, UPDATED_AT):
            if abs(record_timestamp(later, name) - clock) > CLOCK_TOLERANCE:
                raise ContractViolation(
                    f"{create.label}: `{name}` {later.get(name)!r} is far from the answer's Date {date!r}: "
                    "a write's timestamps are the moment it happened"
                )
    updated = api.update_customer(later[ID_FIELD], {})
    if updated.get(CREATED_AT) != later.get(CREATED_AT):
        raise ContractViolation(
            f"{operation('updateCustomer').label} moved `{CREATED_AT}`: "
            f"{later.get(CREATED_AT)!r} -> {updated.get(CREATED_AT)!r}"
        )
