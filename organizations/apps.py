from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("组织体系")

    def ready(self):
        from organizations import signals  # noqa: F401, PLC0415 — receivers import the models, loaded only by now
