"""Report snapshots, weekly summaries and stakeholders (DESIGN §5) — built in a later issue."""
