"""The suite's test modules: the plugin (options, target, fixtures, reports) is malomo_contract.plugin."""

pytest_plugins = ["malomo_contract.plugin"]
