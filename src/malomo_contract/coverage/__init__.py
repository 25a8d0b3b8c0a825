"""What a run of the suite exercised and how its failures reproduce: the collector the plugin feeds, the
records it keeps per operation, each failure's blame and its `curl` reproduction, and the always-on status
tally."""
