"""Progress of a long job (import, export, quota evaluation) as JSON, polled by the progress bar
(templates/includes/progress.html + static/zyparty/progress.js).

A job is visible to the person who started it, and to county-level staff whose scope covers the unit of that
person; to anyone else it answers 404, as if absent.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse

from zyparty.models import BackgroundJob, JobStatus
from zyparty.scoping import scope_of


def may_watch(user, job) -> bool:
    if job.created_by_id is not None and job.created_by_id == user.pk:
        return True
    scope = scope_of(user)
    if scope.everything:
        return True
    creator = job.created_by
    return bool(scope.county) and creator is not None and scope.covers_unit(creator.unit)


def job_payload(job) -> dict:
    result = job.result if isinstance(job.result, dict) else {}
    url = result.get("url")
    payload = {
        "id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "status_label": str(JobStatus(job.status).label) if job.status in JobStatus.values else job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "finished": job.status in (JobStatus.DONE, JobStatus.FAILED),
        "failed": job.status == JobStatus.FAILED,
        # A job may leave a link to what it produced (a report of errors, a file to download): local paths only.
        "result_url": url if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else "",
        "result_label": str(result.get("label") or ""),
    }
    return payload


@login_required
def job_status(request, pk):
    job = BackgroundJob.objects.select_related("created_by__unit").filter(pk=pk).first()
    if job is None or not may_watch(request.user, job):
        raise Http404
    response = JsonResponse(job_payload(job))
    response["Cache-Control"] = "no-store"
    return response
