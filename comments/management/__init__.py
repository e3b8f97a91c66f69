"""Management commands of the comments app."""
