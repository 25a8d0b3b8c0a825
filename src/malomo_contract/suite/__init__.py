"""The contract suite's test modules, run with `pytest src/malomo_contract/suite`; the plugin is
malomo_contract.plugin."""
