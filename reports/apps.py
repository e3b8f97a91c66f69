"""App config of `reports`."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Relatórios"

    def ready(self) -> None:
        # Tasks are imported so services can enqueue them by name in any process, eager too.
        from reports import tasks  # noqa: F401
