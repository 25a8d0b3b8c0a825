"""The `malomo-contract` command: the contract suite, installed, against any server (no checkout needed).

Exit 0 when the contract holds, 1 when it breaks, 2 when the server could not be tested (bad options, no
answer, a refused key, a wrong base URL, not the Malomo API, a gateway answering for it, the server lost
mid-run), with one line.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import pytest
    from _pytest.junitxml import LogXML

PROG = "malomo-contract"
DISTRIBUTION = "malomo-openapi"
# The suite's test modules; their conftest registers the plugin (malomo_contract.plugin).
SUITE_DIR = Path(__file__).resolve().parent / "suite"
EXTRA_MODULES = ("schemathesis", "pytest", "hypothesis", "starlette", "yaml")
# pytest's exit codes that this command passes on; any other means the suite could not run as asked.
PASSED, CONTRACT_BROKEN, BAD_INPUT = 0, 1, 2
EXIT_CODES = f"""exit codes:
  {PASSED}  the contract held (every test that ran passed)
  {CONTRACT_BROKEN}  the contract is broken: a test failed
  {BAD_INPUT}  could not test: bad options, no answer, the key refused, a wrong base URL, a server that is
     not the Malomo API, a gateway answering in its place, or the server lost during the run"""
# Subcommands that check live or recorded traffic instead of running the suite (malomo_contract.live).
LIVE_COMMANDS = ("proxy", "replay")
# Words in a failed test's report that mean the server did not answer, rather than answered wrongly.
CONNECTION_ERRORS = (
    "ConnectionError",
    "ConnectError",
    "ConnectTimeout",
    "ReadError",
    "ReadTimeout",
    "RemoteDisconnected",
    "RemoteProtocolError",
    "Connection refused",
    "Connection reset",
    "Connection aborted",
)
# Hypothesis' per-test statistics, which its plugin adds to the JUnit file as base64 properties.
HYPOTHESIS_STATISTICS = "hypothesis-statistics-"


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        _fail(message)


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(BAD_INPUT)


def suite_version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=PROG,
        description="Check that a server keeps the Malomo customer API contract\n"
        "(the OpenAPI document installed with this package).",
        epilog=f"Options after `--` go to pytest as they are (e.g. `-- -x -v`).\n\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {suite_version()}")
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
        "--contract-seed",
        type=int,
        metavar="N",
        help="seed of the generated requests: the same seed sends the same requests (the header shows it)",
    )
    parser.add_argument("--junitxml", metavar="PATH", help="write a JUnit XML report")
    parser.add_argument("--report", metavar="PATH", help="write the coverage report as one HTML file")
    parser.add_argument("--report-md", metavar="PATH", help="write the coverage report in Markdown")
    parser.add_argument(
        "--embedded-page-size",
        type=int,
        metavar="N",
        help="page size of the embedded reference server (without --base-url)",
    )
    parser.add_argument(
        "--no-mask",
        action="store_true",
        help="show customers' personal data in the reports as the server sent it (the key is always hidden)",
    )
    parser.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help=argparse.SUPPRESS)
    return parser


def pytest_arguments(args: argparse.Namespace) -> list[str]:
    """The pytest command line for `args`: the installed suite, no rootdir config or cache of the caller's."""
    command = [
        str(SUITE_DIR),
        # The caller's pytest.ini / pyproject.toml (addopts, plugins' settings) must not change the suite.
        "-c",
        os.devnull,
        "--rootdir",
        str(SUITE_DIR),
        "-p",
        "no:cacheprovider",
        # The header would show the venv's paths and the `-c` above; `main` prints its own.
        "--no-header",
        # The suite reports through its own messages (ContractViolation, schemathesis' failures), so pytest's
        # rewriting of every plugin module's asserts (schemathesis: ~370 modules, about 5 s) buys nothing.
        "--assert=plain",
        "-o",
        f"junit_suite_name={PROG}",
        "--junit-prefix=malomo_contract",
        "--profile",
        args.profile,
    ]
    if args.base_url:
        command += ["--base-url", args.base_url]
    if args.allow_writes:
        command.append("--allow-writes")
    if args.no_mask:
        command.append("--no-mask")
    for option, value in (
        ("--embedded-page-size", args.embedded_page_size),
        ("--rate-limit", args.rate_limit),
        ("--contract-seed", args.contract_seed),
        ("--junitxml", args.junitxml),
        ("--report", args.report),
        ("--report-md", args.report_md),
    ):
        if value is not None:
            command.append(f"{option}={value}")
    return [*command, *args.pytest_args]


class RunWatch:
    """pytest plugin of one `malomo-contract` run: the JUnit file's properties, and the end of the run when
    the server stops answering."""

    def __init__(self, base_url: str | None, properties: dict[str, str]) -> None:
        self.base_url = base_url
        self.properties = properties
        self.lost_message: str | None = None
        self._session: pytest.Session | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._session = session
        xml = _junit_xml(session.config)
        if xml is not None:
            for name, value in self.properties.items():
                xml.add_global_property(name, value)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown" and self._session is not None:
            # Hypothesis' plugin has just added the test's statistics (base64) to the JUnit file.
            xml = _junit_xml(self._session.config)
            if xml is not None:
                xml.global_properties = [
                    (name, value)
                    for name, value in xml.global_properties
                    if not name.startswith(HYPOTHESIS_STATISTICS)
                ]
        if not report.failed or self.lost_message is not None or self.base_url is None:
            return
        if any(word in report.longreprtext for word in CONNECTION_ERRORS):
            from malomo_contract.preflight import still_answers

            if not still_answers(self.base_url):
                import pytest

                answered = sum(sum(counts.values()) for counts in self._state().tally.statuses.values())
                self.lost_message = (
                    f"lost the server at {self.base_url} after {answered} requests: it stopped answering "
                    f"during {report.nodeid}"
                )
                # Ends the run here, with pytest's exit status 2: the reports say it did not complete.
                pytest.exit(self.lost_message, returncode=BAD_INPUT)

    def could_not_test(self) -> str | None:
        """The line that stopped the run when most answers were not the API's (a gateway's), else None."""
        if self._session is None:
            return None
        stop: str | None = self._state().coverage.origins.could_not_test()
        return stop

    def _state(self) -> Any:
        """The suite's per-run state (run_state.py): its tally of answered requests."""
        from malomo_contract.run_state import run_state

        assert self._session is not None
        return run_state(self._session.config)


def _junit_xml(config: pytest.Config) -> LogXML | None:
    from _pytest.junitxml import xml_key  # pytest's own key; Hypothesis' plugin reaches the file the same way

    return config.stash.get(xml_key, None)


def _header(target: str, profile: str, seed: int) -> str:
    return (
        f"{PROG} {suite_version()}: {target}, profile {profile}, seed {seed} "
        f"(rerun with --contract-seed {seed})"
    )


def _check_options(args: argparse.Namespace) -> None:
    """Exit with one line when the extra is missing or an option is wrong, before anything starts."""
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        _fail(
            "the contract suite needs the 'contract' extra: pip install 'malomo-openapi[contract]' "
            f"({missing[0]} is not installed)"
        )
    from malomo_contract.profiles import PROFILES

    if args.profile not in PROFILES:
        _fail(f"--profile must be one of {', '.join(PROFILES)}, not {args.profile!r}")
    if args.rate_limit is not None:
        from malomo_contract.target import seconds_between_requests

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


def _check_target(args: argparse.Namespace) -> None:
    """Read the target from the options or the environment; exit with one line when `--base-url` has no key
    or does not answer as the API (preflight). The key travels on in the environment."""
    from malomo_contract.preflight import CouldNotTest, preflight

    args.base_url = args.base_url or os.environ.get("MALOMO_BASE_URL") or None
    api_key = args.api_key or os.environ.get("MALOMO_API_KEY") or None
    if args.base_url:
        parts = urlsplit(args.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            _fail(f"--base-url must be an http:// or https:// URL, not {args.base_url!r}")
        if not api_key:
            _fail("--base-url needs a key: set MALOMO_API_KEY (or pass --api-key)")
        try:
            preflight(args.base_url, api_key)
        except CouldNotTest as problem:
            _fail(str(problem))
        # The key travels in the environment, never on pytest's command line.
        os.environ["MALOMO_API_KEY"] = api_key


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in LIVE_COMMANDS:
        from malomo_contract.live.cli import main as live_main

        return live_main(argv)
    args = _parser().parse_args(argv)
    _check_options(args)
    _check_target(args)
    if args.contract_seed is None:
        args.contract_seed = random.SystemRandom().getrandbits(32)
    target = args.base_url or "the embedded reference server"
    print(_header(target, args.profile, args.contract_seed), flush=True)
    watch = RunWatch(
        args.base_url,
        {
            "seed": str(args.contract_seed),
            "target": target,
            "profile": args.profile,
            "suite-version": suite_version(),
        },
    )
    import pytest

    with tempfile.TemporaryDirectory(prefix="malomo-contract-hypothesis-") as hypothesis_dir:
        # Hypothesis keeps its files (`.hypothesis/`) in the working folder unless told otherwise.
        os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", hypothesis_dir)
        exit_code = int(pytest.main(pytest_arguments(args), plugins=[watch]))
    if watch.lost_message is not None:
        _fail(watch.lost_message)
    stopped = watch.could_not_test()
    if stopped is not None:
        _fail(stopped)
    if exit_code not in (PASSED, CONTRACT_BROKEN):
        _fail(f"the suite could not run to the end (pytest exit code {exit_code})")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
