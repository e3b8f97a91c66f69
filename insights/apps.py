from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights (classificação)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)
