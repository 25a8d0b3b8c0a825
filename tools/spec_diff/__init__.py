"""What a spec edit breaks: cli.py compares two specs (spec_comparison.py) in the wire/ and client/
layers, whose rules are registered in rules.py, and reports.py writes the result for people."""
