"""Accounts: the e-mail login user, the curator and API-client roles, the auth routes."""
