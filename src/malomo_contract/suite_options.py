"""The contract suite's command-line options (pytest's `malomo-contract` group): what to test, how hard, and
which reports or recordings to use."""

from __future__ import annotations

import pytest

from malomo_contract.profiles import PROFILES
from malomo_contract.target import EMBEDDED_PAGE_SIZE

GROUP = "malomo-contract"


def add_options(parser: pytest.Parser) -> None:
    add_target_options(parser)
    add_output_options(parser)


def add_target_options(parser: pytest.Parser) -> None:
    """The server under test, its key, write safety, profile, pace and seed."""
    group = parser.getgroup(GROUP, "Malomo contract suite")
    group.addoption(
        "--base-url",
        help="Server to test (env MALOMO_BASE_URL). Default: start the embedded reference server.",
    )
    group.addoption(
        "--api-key",
        help="Secret API key for --base-url (prefer env MALOMO_API_KEY: shell history keeps options).",
    )
    group.addoption(
        "--allow-writes",
        action="store_true",
        help="Allow create/update/delete against a server that is not on this machine.",
    )
    group.addoption(
        "--profile",
        default="default",
        choices=sorted(PROFILES),
        help="How hard to push: " + "; ".join(f"{p.name}: {p.description}" for p in PROFILES.values()),
    )
    group.addoption(
        "--rate-limit", help="At most this many requests, e.g. 10/s or 300/m (default: no limit)."
    )
    group.addoption(
        "--contract-seed",
        type=int,
        help="Seed for generated requests; the header of every run shows the one it used.",
    )


def add_output_options(parser: pytest.Parser) -> None:
    """The reports, masking, the embedded server's page size and recorded traffic."""
    group = parser.getgroup(GROUP, "Malomo contract suite")
    group.addoption(
        "--report",
        metavar="PATH",
        help="Write what the run covered (operations, statuses, checks, failures) as one HTML file.",
    )
    group.addoption(
        "--no-mask",
        action="store_true",
        help="Show customers' personal data in the reports and reproductions as the server sent it (the key "
        "is always hidden; the suite's own test data is never masked).",
    )
    group.addoption(
        "--report-md",
        metavar="PATH",
        help="The same report in Markdown, for a pull-request comment or a job summary.",
    )
    group.addoption(
        "--embedded-page-size",
        type=int,
        default=EMBEDDED_PAGE_SIZE,
        metavar="N",
        help=f"Page size of the embedded reference server (default {EMBEDDED_PAGE_SIZE}); the suite learns "
        "any server's page size from its first page.",
    )
    group.addoption(
        "--recording",
        action="append",
        default=[],
        metavar="HAR_FILE",
        help="Check the exchanges recorded in this HAR file instead of a server: nothing is started or "
        "sent (repeatable).",
    )
    group.addoption(
        "--recording-host",
        action="append",
        default=[],
        metavar="HOST",
        help="With --recording: check only exchanges with this host (repeatable; default: every host).",
    )
