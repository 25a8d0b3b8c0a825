"""Stateful reference server for the Malomo customer API (placeholder until issue 3)."""
