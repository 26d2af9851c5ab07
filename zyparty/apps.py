from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZypartyConfig(AppConfig):
    name = "zyparty"
    verbose_name = _("平台基础")

    def ready(self):
        from zyparty import signals  # noqa: F401, PLC0415 — audit receivers connect once models are loaded
        from zyparty.api import schema  # noqa: F401, PLC0415 — OpenAPI extension for API keys, needs DRF settings
