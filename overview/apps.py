from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverviewConfig(AppConfig):
    name = "overview"
    verbose_name = _("工作概览与报表")

    def ready(self):
        # The dashboard receives zyparty.events.rows_written (bulk imports bypass save()); importing it connects it.
        from overview import dashboard  # noqa: F401,PLC0415 — receivers connect once every app's models are loaded
