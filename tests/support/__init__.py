"""What tests share: the repository's root and spec path (defined here only), the parsed spec, wheel builds
and scratch git repositories."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi" / "malomo.yaml"
