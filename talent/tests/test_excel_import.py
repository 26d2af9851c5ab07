"""返乡创业实体台账 by Excel (issue 14 item 6): by 所在村 + 名称, the founder by ID number in the talent pool of the
importer's scope, all or nothing, export → re-import."""

import pytest

from ledgers import workflows
from organizations.roles import Role
from talent.models import ReturneeVenture, Talent
from tests.factories import workbook_file

pytestmark = pytest.mark.django_db
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.fixture
def clerk(world):
    return world.users[Role.TOWN_CLERK]


def venture_row(**values):
    row = {"名称": "东河村茶叶专业合作社", "类型": "合作社", "所在村(社区)": "东河村", "所属乡镇": "",
           "统一社会信用代码": "", "创办人": "", "身份证号": "", "创办日期": "2019.10.1", "带动就业人数": "２３",
           "贷款金额(元)": "200,000", "补贴金额(元)": "", "在营": "是", "备注": ""}
    row.update(values)
    return row


def commit(user, path, unit):
    return workflows.ledger_import_commit(user=user, kind="ventures", file=path, unit=unit)


def test_ventures_import_with_founders_and_re_import_writes_nothing(world, clerk, tmp_path):
    zhang = Talent.objects.create(worker=world.workers["a"], is_returnee=True)
    rows = [venture_row(创办人="张三", 身份证号=world.workers["a"].id_number.translate(FULL_WIDTH)),
            venture_row(名称="西坝村社区工厂", 类型="扶贫车间", **{"所在村(社区)": "西坝村"}, 在营="否")]
    path = workbook_file(tmp_path / "v.xlsx", rows, title="城关镇返乡创业实体台账")
    result = commit(clerk, path, world.town_a)
    assert result.committed and result.new == 2, result.errors
    coop = ReturneeVenture.objects.get(name="东河村茶叶专业合作社")
    assert (coop.kind, coop.founder, coop.jobs_created, coop.loans_amount, coop.town) == (
        "cooperative", zhang, 23, 200000, world.town_a)
    factory = ReturneeVenture.objects.get(kind="community_factory")
    assert factory.village == world.village_a2 and not factory.is_active
    again = commit(clerk, path, world.town_a)
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 0, 2)
    exported = tmp_path / "export.xlsx"
    with open(exported, "wb") as handle:
        workflows.ledger_export(user=clerk, kind="ventures", queryset=ReturneeVenture.objects.restrict(clerk),
                                target=handle)
    again = commit(clerk, exported, world.town_a)
    assert again.committed and again.unchanged == 2 and again.new == again.changed == 0, again.errors


def test_founder_not_in_the_talent_pool_or_out_of_scope_names_the_row(world, clerk, tmp_path):
    rows = [venture_row(身份证号=world.workers["a2"].id_number),  # in the ledger, not in the talent pool
            venture_row(名称="别镇合作社", 身份证号=world.workers["b"].id_number)]  # another town's worker
    result = workflows.ledger_import_preview(user=clerk, kind="ventures", unit=world.town_a,
                                             file=workbook_file(tmp_path / "v.xlsx", rows, title="台账"))
    assert [(e["row"], e["column"], e["code"]) for e in result.errors] == [
        (3, "身份证号", "talent_unknown"), (4, "身份证号", "person_out_of_scope")]
    assert ReturneeVenture.objects.count() == 0
