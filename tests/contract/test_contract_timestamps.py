"""The contract suite's one RFC 3339 parser (`contract_checks.parse_rfc3339`): what RFC 3339 allows is read,
to the microsecond; what it does not is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from malomo_contract.contract_checks import parse_rfc3339


@pytest.mark.parametrize(
    "text,instant",
    [
        ("2026-12-01T01:20:09Z", datetime(2026, 12, 1, 1, 20, 9, tzinfo=UTC)),
        ("2026-12-01t01:20:09.305902z", datetime(2026, 12, 1, 1, 20, 9, 305902, tzinfo=UTC)),
        ("2026-12-01T01:20:09.3Z", datetime(2026, 12, 1, 1, 20, 9, 300000, tzinfo=UTC)),
        ("2026-12-01T01:20:09.123456789Z", datetime(2026, 12, 1, 1, 20, 9, 123456, tzinfo=UTC)),
        ("2026-12-01T03:20:09+02:00", datetime(2026, 12, 1, 1, 20, 9, tzinfo=UTC)),
        ("2026-12-01T00:20:09-01:00", datetime(2026, 12, 1, 1, 20, 9, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, tzinfo=UTC)),
    ],
)
def test_rfc3339_date_times_are_read(text: str, instant: datetime) -> None:
    assert parse_rfc3339(text) == instant


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01",
        "2026-12-01T01:20:09",
        "2026-12-01 01:20:09Z",
        "2026-12-01T01:20Z",
        "2026-13-01T01:20:09Z",
    ],
)
def test_what_rfc3339_does_not_allow_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(text)
