"""`python -m tools.codegen [--check]`: regenerate generated/malomo_client from the spec."""

import sys

from tools.codegen.generate import main

sys.exit(main())
