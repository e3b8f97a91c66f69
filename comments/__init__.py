"""Comments: the Comment/Tag models, ingestion, the comment API and the curators' admin."""
