from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = _("四本台账")

    def ready(self):
        from ledgers.permissions import ROLE_GRANTS  # noqa: PLC0415 — grants are registered in ready()
        from organizations.roles import register_permissions  # noqa: PLC0415 — grants are registered in ready()

        register_permissions(ROLE_GRANTS)  # who may do what with the ledgers (organizations.roles)
