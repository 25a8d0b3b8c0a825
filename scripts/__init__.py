"""The maintainer's tools: regenerate the client, compare two specs, check a release's version.

A package so that tests import `scripts.spec_diff`; each tool still runs as `python scripts/NAME.py`."""
