"""The pages in a real browser (headless Chromium): logging in through the form, the dashboard's charts, a chart
click-through to the filtered list, an import's progress bar, and the reusable progress component."""

import os
import re

import pytest
from django.test import override_settings

from organizations.roles import Role
from tests import factories
from tests.browser.conftest import CHROMIUM, log_in
from tests.factories import World, id_number, workbook_file, worker_row
from zyparty import jobs
from zyparty.models import BackgroundJob, OutboxMessage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (/usr/bin/chromium)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHART_SVG = "#chart-ledger-workers .main-svg"


@pytest.fixture
def world():
    world = World.build()
    factories.worker(world.town_b, world.village_b, name="周九", destination_code="440306")
    return world


def _wait_for_charts(page):
    page.wait_for_selector(CHART_SVG)
    page.wait_for_function("() => document.querySelectorAll('.chart[data-drawn]').length >= 3")


def _no_csp_or_script_errors(page):
    # The 404 of /favicon.ico is the only error a page may log.
    problems = [p for p in page.problems if "favicon" not in p and "404" not in p]
    assert problems == []


def test_clerk_logs_in_and_sees_their_town(world, live_server, page, shot):
    log_in(page, live_server, world.users[Role.TOWN_CLERK].username)
    assert page.url == f"{live_server.url}/"
    _wait_for_charts(page)
    assert page.locator("h1").inner_text().endswith("城关镇")
    labels = page.locator("#chart-ledger-workers .ytick text").all_text_contents()  # SVG: no innerText
    assert sorted(labels) == ["东河村", "西坝村"]
    body = page.locator("body").inner_text()
    assert "蒿坪镇" not in body and "金石村" not in body
    _no_csp_or_script_errors(page)
    shot(page, "dashboard-town-clerk")


def test_county_staff_clicks_a_town_bar_and_lands_on_its_workers(world, live_server, page, shot):
    log_in(page, live_server, world.users[Role.COUNTY_STAFF].username)
    _wait_for_charts(page)
    assert page.locator("#chart-completeness .hm").count() == 1  # the villages' heat map
    assert page.locator("#chart-destinations .trace.bars").count() == 1
    _no_csp_or_script_errors(page)
    shot(page, "dashboard-county-staff")

    box = _bar_box(page, "#chart-ledger-workers", "城关镇")
    with page.expect_navigation(url=re.compile(r"/admin/ledgers/worker/\?unit=610924100$")):
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    names = page.locator("#result_list td.field-name, #result_list th.field-name").all_inner_texts()
    assert sorted(names) == ["张三", "赵六"]  # town A's workers; 孙七 (town B) is not on the list
    shot(page, "click-through-worker-list")


def _bar_box(page, chart, label):
    """The bounding box of the horizontal bar whose category (y tick) is ``label``."""
    ticks = page.locator(f"{chart} .ytick text")
    tick = next(ticks.nth(i) for i in range(ticks.count()) if ticks.nth(i).text_content() == label)
    tick_box = tick.bounding_box()
    middle = tick_box["y"] + tick_box["height"] / 2
    bars = page.locator(f"{chart} .trace.bars .point path")
    for i in range(bars.count()):
        box = bars.nth(i).bounding_box()
        if box and box["y"] <= middle <= box["y"] + box["height"]:
            return box
    raise AssertionError(f"no bar for {label}")


@override_settings(IMPORT_ASYNC_ROWS=3, CELERY_TASK_ALWAYS_EAGER=False)
def test_an_import_shows_its_progress_bar_until_done(world, live_server, page, shot, tmp_path):
    from zyparty.celery import app

    log_in(page, live_server, world.users[Role.TOWN_CLERK].username, next_path="/ledgers/")
    rows = [worker_row(姓名=f"浏览器工{i}", 身份证号=id_number()) for i in range(6)]
    page.select_option("select[name=kind]", "workers")
    page.set_input_files("input[type=file]", str(workbook_file(tmp_path / "城关镇农民工.xlsx", rows)))
    with page.expect_navigation(url=re.compile(r"/ledgers/import/\d+/progress/$")):
        page.locator("form[enctype] button[type=submit], form[enctype] input[type=submit]").first.click()
    bar = page.locator("progress")
    assert bar.is_visible() and bar.get_attribute("value") == "0"
    shot(page, "import-progress-waiting")

    # The queued task is what a Celery worker would receive from the broker; run it here.
    message = OutboxMessage.objects.get(task="ledgers.import_batch")
    app.tasks[message.task].apply(kwargs=message.kwargs, throw=True)
    batch_id = message.kwargs["batch_id"]
    page.wait_for_function(
        "(id) => location.pathname === `/ledgers/import/${id}/` || document.querySelector('.job-progress.is-done')",
        arg=batch_id)
    assert "校验通过" in page.locator("body").inner_text()
    _no_csp_or_script_errors(page)
    shot(page, "import-progress-finished")


@override_settings(ROOT_URLCONF="tests.browser.urls")
def test_progress_component_follows_a_job_to_its_end(world, live_server, page, shot):
    clerk = world.users[Role.TOWN_CLERK]
    job = BackgroundJob.objects.create(kind="export", title="导出农民工台账", created_by=clerk)
    log_in(page, live_server, clerk.username, next_path=f"/browser-test/progress/{job.pk}/")
    component = page.locator(f"#job-{job.pk}")
    assert component.locator(".job-state").inner_text() == "排队中"

    jobs.job_start(job, total=200, message="正在写入")
    jobs.job_progress(job.pk, 100)
    page.wait_for_function(f"() => document.querySelector('#job-{job.pk} progress').value === 50")
    assert component.locator(".job-count").inner_text() == "100 / 200"
    assert component.locator(".job-message").inner_text() == "正在写入"
    shot(page, "progress-component-half")

    page.evaluate(f"""() => document.querySelector('#job-{job.pk}').addEventListener(
        'zyparty:job-finished', (e) => {{ window.finishedWith = e.detail.status; }})""")
    jobs.job_finish(job.pk, result={"url": "/reports/", "label": "下载文件"}, message="已导出200条")
    page.wait_for_selector(f"#job-{job.pk}.is-done")
    assert component.locator(".job-state").inner_text() == "已完成"
    assert component.locator("progress").get_attribute("value") == "100" or page.evaluate(
        f"() => document.querySelector('#job-{job.pk} progress').value") == 100
    assert component.locator(".job-message").inner_text() == "已导出200条"
    link = component.locator("a.job-result")
    assert link.is_visible() and link.get_attribute("href") == "/reports/" and link.inner_text() == "下载文件"
    assert page.evaluate("() => window.finishedWith") == "done"
    _no_csp_or_script_errors(page)
    shot(page, "progress-component-done")
