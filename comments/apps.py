"""App config: comments (ingestion, API, curators' admin)."""

from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comentários"
