"""Contract suite for the Malomo customer API. In the checkout: `pytest contract_tests`; installed (the
`contract` extra) as `malomo_contract`, with the `malomo-contract` command (see the repository README)."""
