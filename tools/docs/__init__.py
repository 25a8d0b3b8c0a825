"""The README's generated sections (readme_sections.py), run with `python -m tools.docs`."""
