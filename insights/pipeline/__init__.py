"""The classification pipeline by sub-domain: enqueue, classify, sweep, review rules, store."""
