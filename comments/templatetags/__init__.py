"""Template tags of the curators' admin."""
