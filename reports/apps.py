"""App config of `reports`: wires the signal receivers (and so the tasks) at start-up."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Relatórios"

    def ready(self) -> None:
        from reports import receivers  # noqa: F401
