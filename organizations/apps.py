from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("组织体系")

    def ready(self):
        # The roles are defined by this app; its own grants and the administrators' are composed like every app's
        # (organizations.roles, "How the grants compose").
        from organizations import (  # noqa: PLC0415 — grants are registered in ready()
            permissions,
            roles,
            signals,  # noqa: F401, PLC0415 — receivers import the models, loaded only by now
        )

        roles.grant_administrators(permissions.ADMINISTRATOR_GRANTS)
        roles.register_permissions(permissions.ROLE_GRANTS)
