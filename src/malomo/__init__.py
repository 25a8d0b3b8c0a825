"""Hand-written client runtime over the generated malomo_client (placeholder until issue 5)."""
