"""The maintainer's tools, each run with `python -m tools.X`: codegen (generated/ from the spec), spec_diff
(what a spec edit breaks), release (version and tag checks) and docs (the README's generated sections)."""
