"""Live and recorded traffic: `malomo-contract proxy` and `malomo-contract replay`."""
