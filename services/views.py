"""Pages of the services app: the notice inbox, the person record that shows co-management records to the home side,
and the lists the reminders link to (members flagged by a 6-month rule; workers whose record needs refreshing).
Every query goes through the scoping layer; personal data is shown masked."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ledgers.models import Activist, PartyMember, Worker
from organizations.models import Unit
from services import rules
from services.models import (
    ActivistInspection,
    DuesPayment,
    MemberEvaluation,
    MobileCertificate,
    OrgLifeRecord,
    RelationTransfer,
    RelationTransferEvent,
    ServiceCase,
    TrainingAttendee,
)
from zyparty.filters import unit_filter_q
from zyparty.models import Notice

PAGE = 100


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _day(request):
    try:
        return datetime.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


def _unit(request):
    code = (request.GET.get("unit") or "").strip()
    return Unit.objects.filter(code=code).first() if code else None


# Inbox -----------------------------------------------------------------------------------------------------------

@login_required
def notices(request):
    """The user's own notices, newest first; ``?unread=1`` for the unread ones."""
    queryset = Notice.objects.filter(recipient=request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    unread = Notice.objects.filter(recipient=request.user, read_at__isnull=True).count()
    return render(request, "services/notices.html", {"page": page, "unread_only": unread_only, "unread": unread})


@login_required
def notice_open(request, pk):
    """Mark a notice read and go where it points (a path on this site only)."""
    notice = get_object_or_404(Notice, pk=pk, recipient=request.user)
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk).update(read_at=timezone.now())
    link = notice.link
    if link.startswith("/") and not link.startswith("//") and url_has_allowed_host_and_scheme(
            link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("services:notices")


@login_required
@require_POST
def notice_read(request, pk):
    Notice.objects.filter(pk=pk, recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/services/")
                    else reverse("services:notices"))


@login_required
@require_POST
def notices_read_all(request):
    Notice.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("services:notices")


# Person records (the home side reads what the host side recorded; seed 003) --------------------------------------

def _visible(request, model, perm, **filters):
    """Records of ``model`` the user may see, or None when the role may not see that kind at all."""
    if not request.user.has_perm(perm):
        return None
    return model.objects.restrict(request.user).filter(**filters)


@login_required
def member_record(request, pk):
    """One migrant party member with the co-management records about them: org life, dues, the host place's
    evaluations, certificates, transfers of relations, trainings and service cases — and the 6-month rules that
    apply today (services.rules)."""
    _require(request, "ledgers.view_partymember")
    member = get_object_or_404(
        PartyMember.objects.restrict(request.user).select_related(
            "town", "village", "home_organization", "activity_organization", "co_manager"), pk=pk)

    def section(model, related=(), prefetch=(), ordering=None):
        perm = f"services.view_{model._meta.model_name}"
        queryset = _visible(request, model, perm, member=member)
        if queryset is None:
            return None  # the role does not see this kind of record: the section is left out
        queryset = queryset.select_related(*related).prefetch_related(*prefetch)
        return list((queryset.order_by(*ordering) if ordering else queryset)[:50])

    context = {
        "org_life": section(OrgLifeRecord, ("host_organization", "organization")),
        "dues": section(DuesPayment, ("host_organization",)),
        "evaluations": section(MemberEvaluation, ("host_organization",)),
        "certificates": section(MobileCertificate),
        "transfers": section(RelationTransfer, ("from_organization", "to_organization"),
                             (Prefetch("events", RelationTransferEvent.objects.select_related("by")),)),
        "trainings": section(TrainingAttendee, ("training",), ordering=("-training__held_on",)),
        "cases": section(ServiceCase),
    }
    today = timezone.localdate()
    context.update(member=member, flags=rules.member_flags(member, today), today=today)
    return render(request, "services/member_record.html", context)


@login_required
def activist_record(request, pk):
    """One membership activist with the inspection opinions of the home and host organizations (seed 000 §7)."""
    _require(request, "ledgers.view_activist")
    activist = get_object_or_404(
        Activist.objects.restrict(request.user).select_related(
            "town", "village", "cultivating_organization", "home_organization", "co_manager"), pk=pk)
    inspections = _visible(request, ActivistInspection, "services.view_activistinspection", activist=activist)
    if inspections is not None:
        inspections = list(inspections.select_related("organization", "host_organization")[:50])
    return render(request, "services/activist_record.html", {"activist": activist, "inspections": inspections})


# Lists the reminders link to -------------------------------------------------------------------------------------

@login_required
def mobile_members(request):
    """Members a 6-month rule applies to (``?rule=transfer|lapsed|lost``, ``?unit=<code>``)."""
    _require(request, "ledgers.view_partymember")
    code = request.GET.get("rule", "transfer")
    rule = rules.MEMBER_RULES.get(code)
    if rule is None:
        raise Http404
    day = _day(request)
    queryset = PartyMember.objects.restrict(request.user).filter(rule.q(day))
    unit = _unit(request)
    if unit is not None:
        queryset = queryset.filter(unit_filter_q(PartyMember, unit))
    queryset = queryset.select_related("town", "village", "home_organization", "co_manager").order_by(
        "town_id", "village_id", "id")
    page = Paginator(queryset, PAGE).get_page(request.GET.get("page"))
    return render(request, "services/mobile_members.html", {
        "rule": rule, "rules": rules.MEMBER_RULES.values(), "page": page, "unit": unit, "day": day,
        "cutoff": rules.months_before(day, rules.SIX_MONTHS)})


@login_required
def ledger_refresh(request):
    """Workers who went out whose record is not "six clear" or is stale (seed 000 §5, §11), by village."""
    _require(request, "ledgers.view_worker")
    day = _day(request)
    queryset = Worker.objects.restrict(request.user).filter(rules.refresh_needed_q(day))
    unit = _unit(request)
    if unit is not None:
        queryset = queryset.filter(unit_filter_q(Worker, unit))
    queryset = queryset.select_related("town", "village").order_by("town_id", "village_id", "completeness", "id")
    page = Paginator(queryset, PAGE).get_page(request.GET.get("page"))
    labels = {"destination": "流向", "employment": "从业", "political_status": "政治面貌",
              "return_intention": "返乡意向", "party_wish": "入党意愿", "post_wish": "任职意愿"}
    stale = rules.stale_cutoff(day)
    rows = [(worker, [labels[k] for k, known in worker.clears().items() if not known], worker.updated_at < stale)
            for worker in page.object_list]
    return render(request, "services/ledger_refresh.html", {
        "page": page, "rows": rows, "unit": unit, "day": day, "stale_before": rules.stale_before(day),
        "festival": rules.festival_refresh_due(day)})
