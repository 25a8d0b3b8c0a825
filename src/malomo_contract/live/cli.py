"""`malomo-contract proxy` and `malomo-contract replay` (not built yet)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    print(f"malomo-contract: error: {argv[0]} is not available yet", file=sys.stderr)
    return 2
