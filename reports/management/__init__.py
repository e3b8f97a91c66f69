"""Package marker (see the modules beside it)."""
