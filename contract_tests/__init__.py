"""Contract suite for the Malomo customer API: run `pytest contract_tests` (see the repository README)."""
