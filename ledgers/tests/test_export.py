"""Exports of filtered lists (issue 4 item 5; SECURITY.md "exports"): permission, masking, formula neutralisation,
audit, constant queries, and the round trip — an exported file re-imports and changes nothing."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from ledgers import workflows
from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.roles import Role
from tests.factories import id_number, worker
from zyparty.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content(response):
    return b"".join(response.streaming_content)


def rows_of(data, sheet=0):
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(sheet).to_python()


def export(api, world, role=Role.TOWN_CLERK, url="/api/v1/workers/export/", **params):
    api.force_authenticate(world.users[role] if role in world.users else role)
    return api.get(url, params)


def test_export_is_masked_streamed_and_audited(api, world):
    world.workers["a"].family_situation = "家中有留守儿童"
    world.workers["a"].political_status = "league"
    world.workers["a"].save()
    response = export(api, world)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response.streaming and "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    rows = rows_of(content(response))
    header, data = rows[0], rows[1:]
    assert header[:3] == ["姓名", "身份证号", "联系电话"] and header[-2:] == ["所属乡镇", "记录编号"]
    by_name = {r[0]: dict(zip(header, r)) for r in data}
    assert set(by_name) == {"张三", "赵六"}  # the clerk's town only
    zhang = by_name["张三"]
    assert zhang["身份证号"] == world.workers["a"].id_masked and zhang["联系电话"] == "138****8000"
    assert zhang["家庭情况"] == "******" and zhang["政治面貌"] == "******"
    assert int(zhang["记录编号"]) == world.workers["a"].pk
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.object_type == "ledgers.worker" and entry.changes["rows"] == 2 and entry.changes["unmask"] is False
    assert entry.actor_name == "clerk_a"


def test_export_uses_the_list_filters(api, world):
    response = export(api, world, Role.COUNTY_STAFF, unit="610924100201")
    names = [r[0] for r in rows_of(content(response))[1:]]
    assert names == ["张三"]
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.changes["filters"] == {"unit": "610924100201"}
    assert export(api, world, Role.COUNTY_STAFF, unit="610924100", search="zl").status_code == 200


def test_unmasked_export_needs_permission_and_reason(api, world):
    assert export(api, world, Role.COUNTY_STAFF, unmask=1).status_code == 400  # no reason
    response = export(api, world, Role.COUNTY_STAFF, unmask=1, reason="报送县人社局")
    assert response.status_code == 200
    rows = rows_of(content(response))
    numbers = {r[1] for r in rows[1:]}
    assert world.workers["a"].id_number in numbers and world.workers["b"].id_number in numbers
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.changes["unmask"] is True and "报送县人社局" in entry.detail


def test_without_export_permission_is_403(api, world):
    response = export(api, world, Role.VILLAGE_LIAISON)
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DENIED).exists()
    assert export(api, world, Role.HOST_ORGANIZATION, url="/api/v1/members/export/").status_code == 403


def test_formula_cells_are_written_as_text(api, world):
    worker(world.town_a, world.village_a, name="=cmd|' /C calc'!A0", remarks="+SUM(1,2)",
           employer_name="@恶意", skills="-1+1")
    data = content(export(api, world))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value.startswith("="))
    cells = {header[i]: c for i, c in enumerate(row)}
    for column, text in (("姓名", "=cmd|' /C calc'!A0"), ("备注", "+SUM(1,2)"), ("务工单位", "@恶意"), ("就业技能", "-1+1")):
        assert cells[column].value == text and cells[column].data_type == "s" and cells[column].quotePrefix


def test_export_query_count_does_not_grow_with_rows(api, world):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert content(export(api, world, Role.COUNTY_STAFF)) is not None
        return len(ctx.captured_queries)

    few = queries()
    for i in range(40):
        worker(world.town_a, world.village_a, name=f"批量{i}", id_number=id_number())
    assert queries() == few


@pytest.mark.parametrize("kind, url", [("workers", "/api/v1/workers/export/"), ("members", "/api/v1/members/export/"),
                                       ("activists", "/api/v1/activists/export/"),
                                       ("enterprises", "/api/v1/enterprises/export/")])
def test_masked_export_reimports_unchanged(api, world, tmp_path, kind, url):
    """The round trip of issue 4: export → import the very file → nothing changes (masked cells mean "unchanged",
    rows are matched by 记录编号)."""
    model = {"workers": Worker, "members": PartyMember, "activists": Activist, "enterprises": HostEnterprise}[kind]
    clerk = world.users[Role.TOWN_CLERK]
    before = list(model.objects.order_by("pk").values())
    path = tmp_path / "export.xlsx"
    path.write_bytes(content(export(api, world, url=url)))
    result = workflows.ledger_import_commit(user=clerk, kind=kind, file=path, unit=world.town_a)
    assert result.committed, result.errors
    assert result.new == 0 and result.changed == 0 and result.unchanged >= 1
    assert list(model.objects.order_by("pk").values()) == before


def test_unmasked_export_reimports_unchanged_at_county_level(api, world, tmp_path):
    staff = world.users[Role.COUNTY_STAFF]
    before = list(Worker.objects.order_by("pk").values())
    path = tmp_path / "export.xlsx"
    path.write_bytes(content(export(api, world, Role.COUNTY_STAFF, unmask=1, reason="台账核对")))
    result = workflows.ledger_import_commit(user=staff, kind="workers", file=path, unit=world.county)
    assert result.committed, result.errors
    assert (result.new, result.changed, result.unchanged) == (0, 0, 3)
    assert list(Worker.objects.order_by("pk").values()) == before


def test_edited_masked_export_changes_only_what_was_edited(api, world, tmp_path):
    data = content(export(api, world))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "张三":
            row[header.index("就业技能")].value = "焊工"
        if row[0].value == "赵六":
            row[header.index("记录编号")].value = None  # a masked ID without its record number
    path = tmp_path / "edited.xlsx"
    book.save(path)
    result = workflows.ledger_import_preview(user=world.users[Role.TOWN_CLERK], kind="workers", file=path,
                                             unit=world.town_a)
    [error] = result.errors
    assert error["code"] == "masked_without_record" and "记录编号" in error["message"]
    sheet.cell(row=next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == "赵六"),
               column=header.index("记录编号") + 1).value = world.workers["a2"].pk
    book.save(path)
    result = workflows.ledger_import_commit(user=world.users[Role.TOWN_CLERK], kind="workers", file=path,
                                            unit=world.town_a)
    assert result.committed and (result.changed, result.unchanged) == (1, 1)
    zhang = Worker.objects.get(pk=world.workers["a"].pk)
    assert zhang.skills == "焊工" and zhang.id_number == world.workers["a"].id_number and zhang.phone == "13800138000"


def test_admin_exports_the_filtered_changelist(client, world):
    client.force_login(world.users[Role.COUNTY_STAFF])
    page = client.get("/admin/ledgers/worker/", {"unit": "610924101"}).content.decode()
    assert "/admin/ledgers/worker/export/?unit=610924101" in page and "/ledgers/?kind=workers" in page
    response = client.get("/admin/ledgers/worker/export/", {"unit": "610924101"})
    assert response.status_code == 200
    assert [r[0] for r in rows_of(content(response))[1:]] == ["孙七"]
    searched = client.get("/admin/ledgers/worker/export/", {"q": "赵"})
    assert [r[0] for r in rows_of(content(searched))[1:]] == ["赵六"]
    clear = client.get("/admin/ledgers/worker/export/", {"unit": "610924101", "unmask": "1", "reason": "核对"})
    assert rows_of(content(clear))[1][1] == world.workers["b"].id_number
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 3


def test_admin_export_refused_without_permission(client, world):
    client.force_login(world.users[Role.VILLAGE_LIAISON])
    assert client.get("/admin/ledgers/worker/export/").status_code == 403
    page = client.get("/admin/ledgers/worker/").content.decode()
    assert "/admin/ledgers/worker/export/" not in page


def test_row_cap(api, world, settings):
    settings.EXPORT_MAX_ROWS = 1
    response = export(api, world)
    assert response.status_code == 400 and "上限" in str(response.json())
