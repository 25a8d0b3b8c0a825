"""spec → client: generate.py runs openapi-python-client and renders our own templates (render_context.py)."""
