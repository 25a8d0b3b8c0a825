"""The `malomo-contract` command: the contract suite, installed, against any server (no checkout needed).

Exit 0 when the contract holds, 1 when it breaks, 2 on bad options, an unreachable server or a run that
could not complete, with one line naming the problem.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

PROG = "malomo-contract"
PACKAGE_DIR = Path(__file__).resolve().parent
EXTRA_MODULES = ("schemathesis", "pytest", "hypothesis", "starlette")
REACH_TIMEOUT_SECONDS = 10.0
# pytest's exit codes that this command passes on; any other means the suite could not run as asked.
PASSED, CONTRACT_BROKEN, BAD_INPUT = 0, 1, 2


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        _fail(message)


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=PROG,
        description="Check that a server keeps the Malomo customer API contract (openapi/malomo.yaml).",
        epilog="Options after `--` go to pytest as they are (e.g. `-- -x -v`).",
    )
    parser.add_argument(
        "--base-url",
        help="server to test (env MALOMO_BASE_URL); default: start the embedded reference server",
    )
    parser.add_argument(
        "--api-key", help="its secret key sk_...; prefer env MALOMO_API_KEY (shell history keeps options)"
    )
    parser.add_argument(
        "--profile", default="default", help="how hard to push: quick, default or thorough (default: default)"
    )
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="allow creates, updates and deletes on a server that is not on this machine",
    )
    parser.add_argument("--rate-limit", metavar="N/UNIT", help="at most N requests per s, m, h or d")
    parser.add_argument(
        "--contract-seed", type=int, metavar="N", help="replay the generated requests of a run"
    )
    parser.add_argument("--junitxml", metavar="PATH", help="write a JUnit XML report")
    parser.add_argument("--report", metavar="PATH", help="write the coverage report as one HTML file")
    parser.add_argument("--report-md", metavar="PATH", help="write the coverage report in Markdown")
    parser.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help=argparse.SUPPRESS)
    return parser


def _check_reachable(base_url: str) -> None:
    """One line and exit 2 unless a server answers at `base_url` (any HTTP answer will do).

    urllib, not httpx: importing httpx's network stack (anyio) before pytest starts would keep pytest
    from rewriting the asserts of the plugins that come with it.
    """
    try:
        with urllib.request.urlopen(base_url, timeout=REACH_TIMEOUT_SECONDS):
            pass
    except urllib.error.HTTPError:
        pass  # an HTTP answer: the server is there
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        _fail(f"cannot reach {base_url}: {reason}")


def pytest_arguments(args: argparse.Namespace) -> list[str]:
    """The pytest command line for `args`: the installed suite, no rootdir config or cache of the caller's."""
    command = [
        str(PACKAGE_DIR),
        # The caller's pytest.ini / pyproject.toml (addopts, plugins' settings) must not change the suite.
        "-c",
        os.devnull,
        "--rootdir",
        str(PACKAGE_DIR),
        "-p",
        "no:cacheprovider",
        # The suite reports through its own messages (ContractViolation, schemathesis' failures), so pytest's
        # rewriting of every plugin module's asserts (schemathesis: ~370 modules, about 5 s) buys nothing.
        "--assert=plain",
        "--profile",
        args.profile,
    ]
    if args.base_url:
        command += ["--base-url", args.base_url]
    if args.allow_writes:
        command.append("--allow-writes")
    for option, value in (
        ("--rate-limit", args.rate_limit),
        ("--contract-seed", args.contract_seed),
        ("--junitxml", args.junitxml),
        ("--report", args.report),
        ("--report-md", args.report_md),
    ):
        if value is not None:
            command.append(f"{option}={value}")
    return [*command, *args.pytest_args]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        _fail(
            "the contract suite needs the 'contract' extra: pip install 'malomo-openapi[contract]' "
            f"({missing[0]} is not installed)"
        )
    from .profiles import PROFILES

    if args.profile not in PROFILES:
        _fail(f"--profile must be one of {', '.join(PROFILES)}, not {args.profile!r}")
    if args.rate_limit is not None:
        from .target import seconds_between_requests

        try:
            seconds_between_requests(args.rate_limit)
        except ValueError as exc:
            _fail(f"--rate-limit: {exc}")
    for option, path in (
        ("--junitxml", args.junitxml),
        ("--report", args.report),
        ("--report-md", args.report_md),
    ):
        if path is not None and not Path(path).resolve().parent.is_dir():
            _fail(f"{option}: the folder of {path} does not exist")
    args.base_url = args.base_url or os.environ.get("MALOMO_BASE_URL") or None
    api_key = args.api_key or os.environ.get("MALOMO_API_KEY") or None
    if args.base_url:
        parts = urlsplit(args.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            _fail(f"--base-url must be an http:// or https:// URL, not {args.base_url!r}")
        if not api_key:
            _fail("--base-url needs a key: set MALOMO_API_KEY (or pass --api-key)")
        _check_reachable(args.base_url)
        # The key travels in the environment, never on pytest's command line.
        os.environ["MALOMO_API_KEY"] = api_key
    import pytest

    exit_code = int(pytest.main(pytest_arguments(args)))
    if exit_code not in (PASSED, CONTRACT_BROKEN):
        _fail(f"the suite could not run to the end (pytest exit code {exit_code})")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
