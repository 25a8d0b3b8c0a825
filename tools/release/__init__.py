"""Release checks: the version bump a spec change needs (releases.py) against the last release
(git_history.py), and the release tag's check."""
