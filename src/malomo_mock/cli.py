"""The `malomo-mock` command: serve the reference server until Ctrl-C or SIGTERM.

Bad input (seed file, port in use, page size) is reported as one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import NoReturn

from malomo_mock import require_mock_extra


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"malomo-mock: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="malomo-mock", description="Reference server of the Malomo customer API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8000, help="port to listen on; 0 picks a free one (default 8000)"
    )
    parser.add_argument(
        "--api-key",
        help="the secret key clients must send; else $MALOMO_API_KEY; else one is generated and printed",
    )
    parser.add_argument("--db", type=Path, help="SQLite file to persist to (default: in memory)")
    parser.add_argument("--page-size", type=int, default=25, help="items per list page (default 25)")
    parser.add_argument("--seed", type=Path, help="JSON file of customers and events to load at start")
    return parser


def _fail(message: str) -> NoReturn:
    print(f"malomo-mock: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        require_mock_extra()
    except ModuleNotFoundError as exc:
        _fail(str(exc))
    from malomo_mock.app import create_app, new_api_key
    from malomo_mock.seed_file import SeedError
    from malomo_mock.serving import ServerThread, base_url_of, bind_socket

    if args.page_size < 1:
        _fail(f"--page-size must be at least 1, not {args.page_size}")
    if not 0 <= args.port <= 65535:
        _fail(f"--port must be between 0 and 65535, not {args.port}")
    api_key = args.api_key or os.environ.get("MALOMO_API_KEY") or None
    generated = api_key is None
    if api_key is not None and (not api_key.isprintable() or " " in api_key):
        _fail("--api-key must be printable and without spaces")
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    try:
        app = create_app(
            api_key or new_api_key(), db=args.db or ":memory:", page_size=args.page_size, seed=args.seed
        )
    except SeedError as exc:
        sock.close()
        _fail(str(exc))
    except Exception as exc:  # an unusable --db file, for example
        sock.close()
        _fail(f"cannot open the store: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    server = ServerThread(app, sock)
    try:
        server.start()
    except RuntimeError as exc:
        _fail(str(exc))
    if generated:
        print(f"API key: {app.state.api_key}", flush=True)
    print(f"malomo-mock listening on {base_url_of(sock)}", flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    app.state.store.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
