"""Figures for the home page, always through the scoping layer."""

from django.db.models import Count

from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.models import PartyOrganization, Unit
from zyparty.scoping import scope_of


def dashboard_context(user):
    scope = scope_of(user)
    workers = Worker.objects.restrict(user)
    ledgers = [
        ("农民工", workers.count(), "/admin/ledgers/worker/"),
        ("聚集地企业", HostEnterprise.objects.restrict(user).count(), "/admin/ledgers/hostenterprise/"),
        ("农民工党员", PartyMember.objects.restrict(user).count(), "/admin/ledgers/partymember/"),
        ("入党积极分子", Activist.objects.restrict(user).count(), "/admin/ledgers/activist/"),
        ("驻外党组织", PartyOrganization.objects.restrict(user).filter(is_outpost=True).count(),
         "/admin/organizations/partyorganization/?is_outpost__exact=1"),
    ]
    by_town = (workers.values("town__code", "town__name").annotate(n=Count("id")).order_by("town__code")
               if not scope.is_empty else [])
    units = Unit.objects.restrict(user)
    return {"ledgers": ledgers, "by_town": list(by_town), "unit_count": units.count(), "scope_empty": scope.is_empty}
