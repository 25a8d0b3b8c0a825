"""Contract suite for the Malomo customer API. In the checkout: `pytest src/malomo_contract/suite`; installed
(the `contract` extra) as `malomo_contract`, with the `malomo-contract` command (see the repository
README)."""
