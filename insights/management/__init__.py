"""Management commands of the insights app."""
