"""Contract suite for the Malomo customer API: run `pytest contract_tests` (see README.md here)."""
