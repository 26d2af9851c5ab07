from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    name = "talent"
    verbose_name = _("发展党员与人才")

    def ready(self):
        from organizations.roles import register_permissions  # noqa: PLC0415 — grants are registered in ready()
        from talent import metrics  # noqa: F401, PLC0415 — registers the quota metrics once models are loaded
        from talent.permissions import ROLE_GRANTS  # noqa: PLC0415 — grants are registered in ready()

        register_permissions(ROLE_GRANTS)  # who may do what with talent records (talent.permissions)
        from ledgers.schemas import register_schema  # noqa: PLC0415 — Excel schemas are registered in ready()
        from talent.schemas import SCHEMAS  # noqa: PLC0415 — Excel schemas are registered in ready()

        for schema in SCHEMAS:  # its records by Excel, through the ledgers' import engine (issue 14 item 6)
            register_schema(schema)
