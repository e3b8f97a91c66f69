"""Django-aware plumbing shared by the apps: paginators, admin mixins, parsers, error shapes."""
