"""`malomo-contract proxy` and `malomo-contract replay`: their options, one line and exit 2 for bad ones.

The key for the upstream or the replay target comes from `--api-key` or env MALOMO_API_KEY; recordings never
hold it (the recorder redacts it).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

PROG = "malomo-contract"
BAD_INPUT = 2


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{PROG} {self.prog.rpartition(' ')[2]}: error: {message}", file=sys.stderr, flush=True)
        raise SystemExit(BAD_INPUT)


def _proxy_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=f"{PROG} proxy",
        description="A reverse proxy that checks live traffic against the Malomo contract: point any HTTP "
        "client at it. One line per violation; on Ctrl-C or SIGTERM the report and recording are written.",
        epilog="exit codes: 0 no violation seen, 1 a violation seen, 2 could not start",
    )
    parser.add_argument("--upstream", required=True, metavar="URL", help="the server to forward to")
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="where to listen (default 127.0.0.1:8080)",
    )
    parser.add_argument(
        "--record", type=Path, metavar="FILE.har", help="record the traffic (masked) to a HAR file"
    )
    parser.add_argument(
        "--report", type=Path, metavar="FILE.html", help="write the coverage report (.md: Markdown)"
    )
    parser.add_argument(
        "--api-key",
        help="key sent upstream when a request has none; prefer env MALOMO_API_KEY",
    )
    return parser


def _replay_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=f"{PROG} replay",
        description="Replay a HAR recording against a server, in order, and compare each answer with the "
        "recorded one. Ids the server makes are mapped from the recording to the new run.",
        epilog="exit codes: 0 no difference, 1 differences, 2 could not replay",
    )
    parser.add_argument(
        "har", type=Path, metavar="FILE.har", help="the recording (malomo's, the proxy's, any HAR)"
    )
    parser.add_argument("--base-url", required=True, metavar="URL", help="the server to replay against")
    parser.add_argument("--api-key", help="its key; prefer env MALOMO_API_KEY")
    parser.add_argument("--read-only", action="store_true", help="send no writes: skip them and say which")
    parser.add_argument(
        "--report", type=Path, metavar="FILE", help="write the differences (.html, else Markdown)"
    )
    parser.add_argument(
        "--ignore-field",
        action="append",
        default=[],
        metavar="NAME",
        help="a field expected to differ, besides the spec's (uuid, date-time, readOnly); repeatable",
    )
    return parser


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        print(f"{PROG} proxy: error: --listen must be HOST:PORT, not {value!r}", file=sys.stderr, flush=True)
        raise SystemExit(BAD_INPUT)
    return host.strip("[]"), int(port)


def main(argv: list[str]) -> int:
    """Run `proxy ...` or `replay ...` (argv[0] is the subcommand); the exit status."""
    command, rest = argv[0], argv[1:]
    api_key_env = os.environ.get("MALOMO_API_KEY") or None
    if command == "proxy":
        from malomo_contract.live.proxy import ProxyOptions
        from malomo_contract.live.proxy import main as proxy_main

        args = _proxy_parser().parse_args(rest)
        host, port = _listen(args.listen)
        upstream = str(args.upstream).rstrip("/")
        key = args.api_key or api_key_env
        return proxy_main(ProxyOptions(upstream, host, port, args.record, args.report, key))
    from malomo_contract.live.replay import ReplayOptions
    from malomo_contract.live.replay import main as replay_main

    args = _replay_parser().parse_args(rest)
    options = ReplayOptions(
        args.har,
        str(args.base_url).rstrip("/"),
        args.api_key or api_key_env,
        args.read_only,
        args.report,
        tuple(args.ignore_field),
        parallel_checks=True,
    )
    return replay_main(options)
