"""Recorded traffic (HAR files) checked offline against the contract: reading the files into exchanges,
linking the exchanges that must agree, and checking each. `malomo_contract.recorded_traffic` is the pytest
side."""
