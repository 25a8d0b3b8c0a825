"""`python -m tools.release --tag vX.Y.Z`: the release workflow's tag check."""

import sys

from tools.release.releases import main

sys.exit(main())
