"""The client layer of the spec diff: what a spec change does to the generated package's Python API
(api_changes.py), read with griffe (generated_models.py) and typed by annotation_types.py."""
