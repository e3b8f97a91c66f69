"""Reports: snapshots, the public report, weekly summaries, stakeholders and alerts."""
