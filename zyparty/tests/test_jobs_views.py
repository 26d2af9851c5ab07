"""The progress of long jobs: the JSON the progress bar polls, who may see it, and the reusable include."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from organizations.roles import Role
from zyparty import jobs
from zyparty.models import BackgroundJob, JobStatus

pytestmark = pytest.mark.django_db


def _job(user, **kw):
    return BackgroundJob.objects.create(kind="import", title="导入农民工台账", created_by=user, **kw)


def test_progress_json_follows_the_job(world, client):
    clerk = world.users[Role.TOWN_CLERK]
    job = _job(clerk)
    client.force_login(clerk)
    data = client.get(f"/jobs/{job.pk}/").json()
    assert data == {"id": job.pk, "kind": "import", "title": "导入农民工台账", "status": "pending",
                    "status_label": "排队中", "done": 0, "total": 0, "percent": 0, "message": "",
                    "finished": False, "failed": False, "result_url": "", "result_label": ""}

    jobs.job_start(job, total=2000, message="正在校验")
    jobs.job_progress(job.pk, 500)
    data = client.get(f"/jobs/{job.pk}/").json()
    assert (data["status"], data["done"], data["total"], data["percent"]) == ("running", 500, 2000, 25)

    jobs.job_finish(job.pk, result={"url": "/ledgers/", "label": "查看导入结果"}, message="已导入2000条")
    response = client.get(f"/jobs/{job.pk}/")
    data = response.json()
    assert response["Cache-Control"] == "no-store"
    assert data["finished"] and data["percent"] == 100 and data["status_label"] == "已完成"
    assert (data["result_url"], data["result_label"], data["message"]) == ("/ledgers/", "查看导入结果", "已导入2000条")


def test_only_local_result_links_are_passed_on(world, client):
    clerk = world.users[Role.TOWN_CLERK]
    job = _job(clerk, status=JobStatus.DONE, result={"url": "//evil.example/x"})
    client.force_login(clerk)
    assert client.get(f"/jobs/{job.pk}/").json()["result_url"] == ""


def test_a_job_is_seen_by_its_creator_and_county_staff_only(world, client):
    job = _job(world.users[Role.TOWN_CLERK])
    for user, status in ((world.users[Role.TOWN_CLERK], 200), (world.users[Role.COUNTY_STAFF], 200),
                         (world.users[Role.COUNTY_ADMIN], 200), (world.clerk_b, 404),
                         (world.users[Role.VILLAGE_LIAISON], 404), (world.users[Role.OUTPOST_SECRETARY], 404)):
        client.force_login(user)
        assert client.get(f"/jobs/{job.pk}/").status_code == status, user
    client.force_login(world.users[Role.COUNTY_STAFF])
    assert client.get("/jobs/999999/").status_code == 404
    client.logout()
    assert client.get(f"/jobs/{job.pk}/").status_code == 302  # to the login page


@pytest.mark.parametrize("status,css", [(JobStatus.RUNNING, "is-running"), (JobStatus.DONE, "is-done"),
                                        (JobStatus.FAILED, "is-failed")])
def test_progress_include(world, status, css):
    job = _job(world.users[Role.TOWN_CLERK], status=status, done=30, total=120, message="第30行",
               result={"url": "/ledgers/", "label": "错误报告"} if status == JobStatus.FAILED else {})
    html = render_to_string("includes/progress.html", {"job": job, "reload_on_done": True},
                            request=RequestFactory().get("/"))
    assert f'data-job-url="/jobs/{job.pk}/"' in html and css in html
    assert 'data-reload-on-done="1"' in html and "/static/zyparty/progress.js" in html
    assert f'value="{job.percent}"' in html and "30 / 120" in html
    assert ('href="/ledgers/"' in html) == (status == JobStatus.FAILED)
