"""Map once, in a real browser (issue 14 "the same works in the browser as a clerk"): a town clerk uploads a file with
two values no option matches, maps each once in the preview, the same stored file is checked again, and the commit
writes the mapped codes — on a desktop screen (1,366 px) and a phone (390 px)."""

import importlib
import os
import re

import pytest
from django.apps import apps

from ledgers.models import ImportBatch, ValueSynonym, Worker
from organizations.roles import Role
from tests.browser.conftest import CHROMIUM, log_in
from tests.factories import World, id_number, workbook_file, worker_row

seed = importlib.import_module("ledgers.migrations.0008_builtin_value_synonyms")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (/usr/bin/chromium)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world():
    # A transactional test before this one may have flushed the built-in synonyms that migration 0008 seeds.
    if not ValueSynonym.objects.filter(county__isnull=True).exists():
        seed.seed(apps, None)
    return World.build()


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
def test_a_clerk_maps_two_unknown_values_once_and_commits(world, live_server, page, shot, tmp_path, width, height):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, world.users[Role.TOWN_CLERK].username, next_path="/ledgers/")
    rows = [worker_row(姓名=f"映射工{i}", 身份证号=id_number(), 返乡意向="看情况再说" if i % 2 else "暂无",
                       从事行业="跑滴滴" if i < 4 else "居民服务业") for i in range(6)]
    page.select_option("select[name=kind]", "workers")
    page.set_input_files("input[type=file]", str(workbook_file(tmp_path / "城关镇农民工.xlsx", rows, title="城关镇")))
    with page.expect_navigation(url=re.compile(r"/ledgers/import/\d+/$")):
        page.locator("form[enctype] button[type=submit]").first.click()

    section = page.locator("#unknown-values")
    assert section.is_visible()
    text = section.inner_text()
    assert "“看情况再说”" in text and "“跑滴滴”" in text and "暂无" not in text and "居民服务业" not in text
    assert "确认导入" not in page.locator("body").inner_text()
    assert page.locator("input[type=checkbox][name^=synonym]").count() == 0  # a town clerk keeps no synonyms
    intention = page.locator("select[data-value='看情况再说']")
    industry = page.locator("select[data-value='跑滴滴']")
    assert intention.is_visible() and industry.is_visible()
    assert industry.bounding_box()["x"] + industry.bounding_box()["width"] <= width  # fits the screen
    intention.select_option(label="有返乡意向")
    industry.select_option(label="交通运输、仓储和邮政业")
    shot(page, f"import-map-values-{width}")
    with page.expect_navigation():
        section.locator("button[type=submit]").click()

    body = page.locator("body").inner_text()
    assert "校验通过" in body and page.locator("#unknown-values").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="确认导入").click()
    assert "导入完成：新增6条" in page.locator("body").inner_text()
    shot(page, f"import-map-committed-{width}")
    batch = ImportBatch.objects.get()
    assert batch.status == "committed" and len(batch.value_mappings) == 2
    stored = dict(Worker.objects.filter(name__startswith="映射工").values_list("name", "industry"))
    assert [stored[f"映射工{i}"] for i in range(6)] == ["transport"] * 4 + ["household"] * 2
    assert Worker.objects.filter(name__startswith="映射工", return_intention="considering").count() == 3
    assert Worker.objects.filter(name__startswith="映射工", return_intention="none").count() == 3
    problems = [p for p in page.problems if "favicon" not in p and "404" not in p]
    assert problems == []
