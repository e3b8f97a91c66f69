"""Admin pages of the reports app (filled in below)."""
