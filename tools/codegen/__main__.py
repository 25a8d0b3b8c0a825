"""`python -m tools.codegen [--check]`: regenerate generated/malomo_client from the spec, then the docs'
sections made from it (`python -m tools.docs`), so that one command follows a spec edit. `--check` only
reports drift of generated/ (a test checks the docs' sections)."""

import sys

from tools.codegen.generate import main

status = main()
if status == 0 and "--check" not in sys.argv[1:]:
    from tools.docs import readme_sections

    status = readme_sections.main([])
sys.exit(status)
