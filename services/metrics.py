"""Quota metrics counted from services records (zyparty.quotas; evaluated by the talent app's quota rules).

Each is computed for a batch of subjects with one grouped query. ``start`` and ``end`` are dates and both are
included (a year is ``date(Y, 1, 1)`` … ``date(Y, 12, 31)``). Evidence lists the records counted.
"""

from collections import defaultdict

from services.models import LiaisonRecord, TrainingAttendee
from zyparty.quotas import Measure, register_metric


@register_metric("agreement_liaisons", subject="agreement", label="双向联系次数")
def agreement_liaisons(subjects, start, end):
    """Seed 000 §6: liaison records between an agreement's town and its host-place organization in the period."""
    subjects = list(subjects)
    pairs = {(a.town_id, a.host_organization_id): [] for a in subjects}
    rows = LiaisonRecord.objects.filter(
        town_id__in={t for t, _h in pairs}, host_organization_id__in={h for _t, h in pairs},
        held_on__gte=start, held_on__lte=end).order_by("held_on", "id").values_list(
        "id", "town_id", "host_organization_id")
    for pk, town_id, host_id in rows:
        if (town_id, host_id) in pairs:
            pairs[(town_id, host_id)].append(("services.liaisonrecord", pk))
    return {a.pk: Measure(value=len(pairs[(a.town_id, a.host_organization_id)]),
                          evidence=list(pairs[(a.town_id, a.host_organization_id)])) for a in subjects}


@register_metric("outpost_secretary_trainings", subject="outpost", label="书记参训次数")
def outpost_secretary_trainings(subjects, start, end):
    """Seed 000 §8: trainings attended by an outpost organization's secretary (attendee rows naming the outpost as
    the organization attended for) held in the period."""
    subjects = list(subjects)
    found = defaultdict(list)
    rows = TrainingAttendee.objects.filter(
        organization_id__in=[o.pk for o in subjects], training__held_on__gte=start,
        training__held_on__lte=end).order_by("training__held_on", "id").values_list("id", "organization_id")
    for pk, organization_id in rows:
        found[organization_id].append(("services.trainingattendee", pk))
    return {o.pk: Measure(value=len(found[o.pk]), evidence=list(found[o.pk])) for o in subjects}
