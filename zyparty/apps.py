from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZypartyConfig(AppConfig):
    name = "zyparty"
    verbose_name = _("平台基础")

    def ready(self):
        from zyparty import signals  # noqa: F401  (audit trail of model changes and logins)
        from zyparty.api import schema  # noqa: F401  (OpenAPI for API keys)
