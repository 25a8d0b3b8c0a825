"""The `malomo-mock` command: serve the reference server until Ctrl-C or SIGTERM.

Bad input (seed file, port in use, page size) is reported as one line on stderr with a non-zero exit
(2 for a bad option value).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from malomo_mock import require_mock_extra

MAX_PAGE_SIZE = 1000


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"malomo-mock: error: {message}\n")


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, not {text[:40]}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text[:40]!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="malomo-mock", description="Reference server of the Malomo customer API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=_whole_number(0, 65535),
        default=8000,
        help="port to listen on; 0 picks a free one (default 8000)",
    )
    parser.add_argument(
        "--api-key",
        help="the secret key clients must send; else $MALOMO_API_KEY; else one is generated and printed",
    )
    parser.add_argument("--db", type=Path, help="SQLite file to persist to (default: in memory)")
    parser.add_argument(
        "--page-size",
        type=_whole_number(1, MAX_PAGE_SIZE),
        default=25,
        help=f"items per list page, 1 to {MAX_PAGE_SIZE} (default 25)",
    )
    parser.add_argument("--seed", type=Path, help="JSON file of customers and events to load at start")
    parser.add_argument(
        "--spec", type=Path, help="OpenAPI document to serve (default: the spec shipped with the package)"
    )
    parser.add_argument(
        "--header-timeout",
        type=_seconds,
        help="seconds a client has to send a request's headers (default 10)",
    )
    parser.add_argument(
        "--max-connections",
        type=_whole_number(1, 1_000_000),
        help="open connections at which the longest-idle one is closed for a new one; when all are busy, "
        "new ones are answered 503 (default 1000)",
    )
    return parser


def _fail(message: str) -> NoReturn:
    print(f"malomo-mock: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def _log_to_stderr() -> None:
    """The server's own log (a 500 with its request id and traceback, a request cut off by a stop) on
    stderr; debug lines (a client that went away) are left out."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("malomo-mock: %(levelname)s: %(message)s"))
    log = logging.getLogger("malomo_mock")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        require_mock_extra()
    except ModuleNotFoundError as exc:
        _fail(str(exc))
    _log_to_stderr()
    from malomo_mock.app import create_app
    from malomo_mock.http_guard import DEFAULT_LIMITS
    from malomo_mock.openapi_contract import SpecError
    from malomo_mock.seed_file import SeedError
    from malomo_mock.serving import ServerThread, base_url_of, bind_socket

    api_key = args.api_key or os.environ.get("MALOMO_API_KEY") or None
    if api_key is not None and (not api_key.isprintable() or " " in api_key):
        _fail("--api-key must be printable and without spaces")
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    try:
        app = create_app(
            api_key, db=args.db or ":memory:", page_size=args.page_size, seed=args.seed, spec=args.spec
        )
    except (SeedError, SpecError) as exc:
        sock.close()
        _fail(str(exc))
    except Exception as exc:  # an unusable --db file, for example
        sock.close()
        _fail(f"cannot open the store: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")

    if app.state.coverage is not None:  # operations of the spec that answer 501
        print(f"malomo-mock: {app.state.coverage}", file=sys.stderr, flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: stop.set())
    given = {"header_timeout": args.header_timeout, "max_connections": args.max_connections}
    limits = dataclasses.replace(DEFAULT_LIMITS, **{name: value for name, value in given.items() if value})
    server = ServerThread(app, sock, limits)
    try:
        server.start()
    except RuntimeError as exc:
        _fail(str(exc))
    if api_key is None:  # generated by create_app
        print(f"API key: {app.state.api_key}", flush=True)
    print(f"malomo-mock listening on {base_url_of(sock)}", flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    app.state.store.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
