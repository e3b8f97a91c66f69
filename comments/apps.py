"""App config: comments (ingestion, API, curators' admin)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Curadoria")
