"""Moved to tests/support/spec_document.py; kept for the modules that still import it by this name."""

from support import SPEC_PATH
from support.spec_document import METHODS, SPEC, documented_statuses

__all__ = ["METHODS", "SPEC", "SPEC_PATH", "documented_statuses"]
