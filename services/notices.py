"""Who is told what: the responsible people for a place, and scoped, idempotent delivery to their inboxes.

Every notice of this app goes through :func:`deliver`, which drops any recipient whose scope does not cover the
notice's subject (a unit or a scoped record) — a clerk never hears about another town's people — and passes a
``dedup_key`` naming the job, the period and the subject, so producing a notice twice for one period is a no-op
(zyparty.jobs.notify; SECURITY.md "jobs").
"""

from collections import defaultdict

from django.urls import reverse
from django.utils.translation import gettext as _

from organizations.models import User
from organizations.roles import Role
from services.choices import NoticeKind, TransferStatus
from services.models import RelationTransfer, ServiceCase
from zyparty import jobs, scoping

COUNTY_ROLES = (Role.COUNTY_STAFF, Role.COUNTY_ADMIN)


def _by_unit(roles, unit_ids):
    found = defaultdict(list)
    if not unit_ids:
        return found
    users = User.objects.filter(role__in=roles, unit_id__in=set(unit_ids), is_active=True).select_related(
        "unit").order_by("id")
    for user in users:
        found[user.unit_id].append(user)
    return found


def town_clerks(town_ids) -> dict:
    """Town service-station clerks (镇流动党员服务站) by town id."""
    return _by_unit((Role.TOWN_CLERK,), town_ids)


def village_liaisons(village_ids) -> dict:
    """Village liaison-point heads (村流动党员联络点) by village id."""
    return _by_unit((Role.VILLAGE_LIAISON,), village_ids)


def county_people(county_ids) -> dict:
    """County organization-department staff and county administrators by county id."""
    return _by_unit(COUNTY_ROLES, county_ids)


def deliver(recipients, subject, *, kind, title, body, link="", key) -> int:
    """Put one notice about ``subject`` in each recipient's inbox, once per ``key``; returns how many were new.

    ``subject`` is what the notice is about (a Unit, or a record with ``scope_paths``): a recipient whose scope does
    not cover it gets nothing.
    """
    created = 0
    for user in recipients:
        if not scoping.permits(user, subject):
            continue
        if jobs.notify(recipient=user, kind=kind, title=title, body=body, link=link,
                       dedup_key=f"{kind}:{key}") is not None:
            created += 1
    return created


def names_line(names, limit=20) -> str:
    names = list(names)
    shown = "、".join(names[:limit])
    return shown + (_("等%(n)s人") % {"n": len(names)} if len(names) > limit else "")


# Notices of single events (enqueued by services.workflows, sent by services.tasks) --------------------------------

def case_assigned(case_id: int) -> int:
    """Tell the handler a service case is theirs."""

    case = ServiceCase.objects.select_related("handler", "town").filter(pk=case_id).first()
    if case is None or case.handler is None or not case.is_open:
        return 0
    return deliver([case.handler], case, kind=NoticeKind.CASE_ASSIGNED,
                   title=_("服务事项待办：%(t)s") % {"t": case.title},
                   body=_("%(town)s %(name)s 的%(kind)s事项（%(channel)s受理）已交由您承办。") % {
                       "town": case.town.name, "name": case.display_name, "kind": case.get_kind_display(),
                       "channel": case.get_channel_display()},
                   link=reverse("admin:services_servicecase_change", args=[case.pk]),
                   key=f"case={case.pk}:handler={case.handler_id}")


def transfer_requested(transfer_id: int) -> int:
    """Tell the receiving side (in the county: the clerks of the receiving organization's town; outside it: the
    county staff, who contact the other county) that a transfer of relations waits for them."""

    transfer = RelationTransfer.objects.select_related("member", "to_organization", "from_organization").filter(
        pk=transfer_id).first()
    if transfer is None or transfer.status != TransferStatus.REQUESTED:
        return 0
    if transfer.to_town_id:
        recipients = town_clerks([transfer.to_town_id])[transfer.to_town_id]
    else:
        recipients = county_people([transfer.county_id])[transfer.county_id]
    return deliver(recipients, transfer, kind=NoticeKind.TRANSFER_REQUESTED,
                   title=_("组织关系转接申请：%(name)s") % {"name": transfer.member.name},
                   body=_("%(name)s 申请将组织关系由%(src)s转至%(dst)s，请及时办理。") % {
                       "name": transfer.member.name, "src": transfer.from_organization,
                       "dst": transfer.destination_label},
                   link=reverse("admin:services_relationtransfer_change", args=[transfer.pk]),
                   key=f"transfer={transfer.pk}")
