"""`python -m tools.docs [--check]`: rewrite the README's generated sections."""

import sys

from tools.docs.readme_sections import main

sys.exit(main())
