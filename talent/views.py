"""Pages: the local-talent pool, the quota compliance grid (with "re-evaluate now" for county staff), a result's
evidence, and the progress of an evaluation job. Every read goes through the scoping layer."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.models import Unit
from talent import choices, queries
from talent.filters import TalentFilterSet
from talent.models import QuotaResult, ReserveCadre, Talent
from talent.tasks import QUOTA_JOB_KIND
from zyparty import jobs
from zyparty.models import BackgroundJob, JobStatus


@login_required
def index(request):
    return redirect("talent:pool")


@login_required
@permission_required("talent.view_talent", raise_exception=True)
def pool(request):
    """乡土人才信息库 (seed 000 §18): search by village, skills, stage, venture kind; scoped; 50 a page."""
    year = timezone.localdate().year
    base = Talent.objects.restrict(request.user).select_related("town", "village").annotate(
        reserve_this_year=Exists(ReserveCadre.objects.filter(talent=OuterRef("pk"), year=year))
    ).prefetch_related("ventures", "appointments").order_by("town_id", "village_id", "id")
    filterset = TalentFilterSet(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    villages = Unit.objects.restrict(request.user).filter(level="village").select_related("parent").order_by("code")
    return render(request, "talent/pool.html", {
        "page": page, "filterset": filterset, "villages": villages, "query": query.urlencode(), "year": year,
        "stages": choices.CultivationStageKind.choices, "venture_kinds": choices.VentureKind.choices,
        "params": request.GET})


def _on(request):
    try:
        return datetime.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


@login_required
@permission_required("talent.view_quotaresult", raise_exception=True)
def compliance(request):
    """配额达标情况: rows towns (or a town's villages), columns rules, cells met/short with value and threshold."""
    on = _on(request)
    context = queries.compliance(request.user, on, request.GET.get("town", ""))
    job = None
    job_id = request.GET.get("job")
    if job_id and job_id.isdigit():
        job = BackgroundJob.objects.filter(pk=job_id, kind=QUOTA_JOB_KIND).first()
    if job is None and request.user.has_perm("talent.evaluate_quotas"):
        job = BackgroundJob.objects.filter(kind=QUOTA_JOB_KIND).order_by("-id").first()
    context.update(on=on, job=job, many_towns=Unit.objects.restrict(request.user).filter(level="town").count() > 1,
                   can_evaluate=request.user.has_perm("talent.evaluate_quotas"),
                   legend=[("met", _("达标")), ("partial", _("部分达标")), ("short", _("未达标")), ("none", _("无结果"))])
    return render(request, "talent/compliance.html", context)


@login_required
@require_POST
@permission_required("talent.evaluate_quotas", raise_exception=True)
def evaluate(request):
    """Re-evaluate now: a BackgroundJob and the task enqueued after commit (through the outbox)."""
    running = BackgroundJob.objects.filter(kind=QUOTA_JOB_KIND, status__in=[JobStatus.PENDING, JobStatus.RUNNING],
                                           created_at__gte=timezone.now() - datetime.timedelta(hours=1)).first()
    if running is not None:
        messages.info(request, _("评估正在进行中，请稍候。"))
        return redirect(f"/talent/compliance/?job={running.pk}")
    with transaction.atomic():
        job = BackgroundJob.objects.create(kind=QUOTA_JOB_KIND, title=_("配额达标评估（手动）"), created_by=request.user)
        jobs.enqueue("talent.evaluate_quotas", job_id=job.pk)
    messages.success(request, _("已开始重新评估，完成后本页自动刷新。"))
    return redirect(f"/talent/compliance/?job={job.pk}")


@login_required
def job_progress(request, pk):
    """Progress of an evaluation job, for the progress bar (polled by static/talent/progress.js)."""
    job = get_object_or_404(BackgroundJob, pk=pk, kind=QUOTA_JOB_KIND)
    if job.created_by_id != request.user.pk and not request.user.has_perm("talent.evaluate_quotas"):
        raise Http404
    response = JsonResponse({"status": job.status, "done": job.done, "total": job.total, "percent": job.percent,
                             "message": job.message, "finished": job.status in (JobStatus.DONE, JobStatus.FAILED)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@permission_required("talent.view_quotaresult", raise_exception=True)
def result(request, pk):
    """One result with the records it counted (links to them in the admin)."""
    item = get_object_or_404(QuotaResult.objects.restrict(request.user).select_related("rule"), pk=pk)
    return render(request, "talent/result.html", {"result": item, "evidence": queries.evidence(request.user, item),
                                                  "period": queries.period_text(item)})
