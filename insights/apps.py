"""App config of `insights`: wires checks, signal receivers and tasks at start-up."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights (classificação)"

    def ready(self) -> None:
        # Checks and receivers register themselves; tasks are imported so that the pipeline can
        # enqueue them by name in any process (web included), eager mode too.
        from insights import checks, receivers, tasks  # noqa: F401
