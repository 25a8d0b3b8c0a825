"""`python -m tools.spec_diff OLD NEW`: what a spec edit breaks (see tools/spec_diff/cli.py)."""

import sys

from tools.spec_diff.cli import main

sys.exit(main())
