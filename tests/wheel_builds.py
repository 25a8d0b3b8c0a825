"""Moved to tests/support/wheel_builds.py; kept for the modules that still import it by this name."""

from support import ROOT
from support.wheel_builds import install_wheel

__all__ = ["ROOT", "install_wheel"]
