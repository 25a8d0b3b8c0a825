"""RFC 3339 `date-time` text read as the instant it names: the suite's one timestamp parser."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# RFC 3339 section 5.6 `date-time`; section 5.6 also says `T` and `Z` may be lowercase.
RFC3339_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def parse_rfc3339(text: str) -> datetime:
    """The instant an RFC 3339 `date-time` names (either case of `T` and `Z`, any length of fraction, kept
    to the microsecond); ValueError when `text` is not one. The suite's one timestamp parser."""
    found = RFC3339_DATE_TIME.fullmatch(text)
    if found is None:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    year, month, day, hour, minute, second = (int(part) for part in found.group(1, 2, 3, 4, 5, 6))
    fraction = int((found.group(7) or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if found.group(9):
        offset = timedelta(hours=int(found.group(10)), minutes=int(found.group(11)))
        offset = -offset if found.group(9) == "-" else offset
    # A leap second (`:60`) is the last instant of its minute.
    leap = second == 60
    moment = datetime(year, month, day, hour, minute, 59 if leap else second, fraction, timezone(offset))
    return moment + timedelta(seconds=1) if leap else moment
