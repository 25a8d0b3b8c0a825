"""How hard the suite pushes: the `quick`, `default` and `thorough` profiles (`--profile NAME`).

Each profile becomes one schemathesis configuration plus a few budgets for the semantic tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Imported when a configuration is made: `malomo-contract` reads the profiles before pytest starts,
    # and pytest cannot rewrite the asserts of a plugin (schemathesis') that is already imported.
    from schemathesis.config import SchemathesisConfig


@dataclass(frozen=True)
class Profile:
    """Budgets of one run. Example counts are per operation; steps are per stateful scenario."""

    name: str
    description: str
    max_examples: int
    coverage_phase: bool
    stateful_scenarios: int
    stateful_max_steps: int
    # Semantic tests: how many records (customers, or updates for an event log) may be written to make a
    # list span the three pages its paging tests need (310 covers three pages at a page size of 100), and
    # how many pages and seconds one walk over a list may take. A walk that runs out of its budget on a
    # large store is "not tested to the end" (a skip that says the size seen), never a failure.
    max_list_growth: int
    max_walk_pages: int
    max_walk_seconds: float


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            name="quick",
            description="smoke run: few examples, no coverage phase, short walks over lists",
            max_examples=8,
            coverage_phase=False,
            stateful_scenarios=8,
            stateful_max_steps=6,
            max_list_growth=310,
            max_walk_pages=5000,
            max_walk_seconds=10,
        ),
        Profile(
            name="default",
            description="every check on every operation, under a minute against the embedded server",
            max_examples=100,
            coverage_phase=True,
            stateful_scenarios=50,
            stateful_max_steps=10,
            max_list_growth=310,
            max_walk_pages=20000,
            max_walk_seconds=30,
        ),
        Profile(
            name="thorough",
            description="many more examples and longer stateful scenarios, for nightly or pre-release runs",
            max_examples=1000,
            coverage_phase=True,
            stateful_scenarios=300,
            stateful_max_steps=15,
            max_list_growth=1000,
            max_walk_pages=200000,
            max_walk_seconds=600,
        ),
    )
}


def schemathesis_config(
    profile: Profile, seed: int | None, *, read_only: bool = False, rate_limit: str | None = None
) -> SchemathesisConfig:
    """The schemathesis configuration of `profile`; same shape as a `schemathesis.toml`.

    `read_only`: the coverage phase sends no undeclared POST/PUT/PATCH/DELETE to probe for 405.
    `rate_limit`: at most that many generated requests (`10/s`, `300/m`, ...).
    """
    data: dict[str, Any] = {
        # Generation speed depends on the machine's load, not on the server: not a finding.
        "suppress-health-check": ["too_slow"],
        "generation": {
            "mode": "all",
            "max-examples": profile.max_examples,
            # Failures found against one server must not be replayed against the next one.
            "database": "none",
            # The suite sends the key itself; generated (and negated) Authorization headers would only be
            # overwritten. Missing and wrong keys are tested by `ignored_auth` and test_errors_and_auth.
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": profile.coverage_phase},
            "fuzzing": {"enabled": True},
            "stateful": {
                "max-steps": profile.stateful_max_steps,
                # Only the spec's explicit links: inferred ones (from the list endpoint, from
                # Location headers) made scenarios flaky against a stateful server.
                "inference": {"algorithms": []},
            },
        },
        # A valid request may get success, or 404 for an id that does not exist (or no longer does);
        # 429 is the real API's rate limiter speaking, not a contract breach.
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "429"]}},
        # Sanitization is on by default; stated so that nobody turns it off by accident. `authorization`
        # is among the default keys, so the key never appears in a curl line or report.
        "output": {"sanitization": {"enabled": True}},
    }
    if read_only:
        # Probing for 405 with these changes nothing on a server that follows HTTP.
        data["phases"]["coverage"]["unexpected-methods"] = ["options", "trace", "query"]
    if rate_limit is not None:
        data["rate-limit"] = rate_limit
    if seed is not None:
        data["seed"] = seed
    from schemathesis.config import SchemathesisConfig

    return SchemathesisConfig.from_dict(data)
