"""The `common` app: no models, only plumbing the other apps import (DESIGN §2)."""

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Comum"
