"""`make bench`: the default project measured side by side with minimal baselines in one run."""
