"""App config: accounts (custom user, roles, auth routes)."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Contas"
