from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("服务与共管")

    def ready(self):
        from organizations.roles import register_permissions  # noqa: PLC0415 — grants are registered in ready()

        # Quota metrics (agreement_liaisons, outpost_secretary_trainings) and tasks register themselves on import,
        # before anything enqueues them (eager mode included); models are loaded only by ready().
        from services import metrics, tasks  # noqa: F401, PLC0415 — registration at ready(), models loaded by now
        from services.permissions import ROLE_GRANTS  # noqa: PLC0415 — grants are registered in ready()

        register_permissions(ROLE_GRANTS)  # who may do what with the services records (organizations.roles)
        from ledgers.schemas import register_schema  # noqa: PLC0415 — Excel schemas are registered in ready()
        from services.schemas import SCHEMAS  # noqa: PLC0415 — Excel schemas are registered in ready()

        for schema in SCHEMAS:  # its records by Excel, through the ledgers' import engine (issue 14 item 6)
            register_schema(schema)
