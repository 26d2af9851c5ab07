"""Seed the time limits of member development and the quota rules of the seeds (editable in the admin afterwards;
re-running never overwrites a county's edits)."""

from decimal import Decimal

from django.db import migrations

RULES_2014 = "《中国共产党发展党员工作细则》（2014）"

TIME_LIMITS = [
    ("applicant_min_age", "申请入党最低年龄", 18, "years", False,
     f"{RULES_2014}第五条：年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子……可以申请加入中国共产党。（步骤①）"),
    ("talk_within", "收到入党申请书后谈话期限", 1, "months", False,
     f"{RULES_2014}第七条：党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话。（步骤②）"),
    ("assessment_interval", "入党积极分子考察间隔", 6, "months", False,
     f"{RULES_2014}第十一条：党组织每半年对入党积极分子进行一次考察。（步骤⑥）"),
    ("activist_min_period", "列为发展对象前的培养考察期", 1, "years", False,
     f"{RULES_2014}第十三条：对经过一年以上培养教育和考察、基本具备党员条件的入党积极分子……可列为发展对象。（步骤⑦）"),
    ("training_min_days", "发展对象集中培训天数", 3, "days", False,
     f"{RULES_2014}第十九条：对发展对象进行短期集中培训，培训时间一般不少于三天（或不少于24个学时）。（步骤⑪）"),
    ("training_min_hours", "发展对象集中培训学时", 24, "hours", False,
     f"{RULES_2014}第十九条：培训时间一般不少于三天（或不少于24个学时）。（步骤⑪）"),
    ("notice_min", "发展对象公示期", 5, "working_days", True,
     "发展对象公示不少于5个工作日（本地惯例；2026年修订的细则规定列为发展对象前公示不少于5个工作日）。节假日按"
     "“法定节假日”“调休上班日”两表计算。（步骤⑫；seed 000 §7 两地公示）"),
    ("leave_within", "预审时即将离开工作单位的期限", 3, "months", False,
     "上级党委预审时，发展对象在3个月内将离开工作单位的，一般不予接收；确需接收的须说明理由。（步骤⑬）"),
    ("approval_within", "接收预备党员的审批期限", 3, "months", False,
     f"{RULES_2014}第二十五条：上级党组织对支部大会通过接收的预备党员，应当在三个月内审批。（步骤⑰）"),
    ("approval_max", "接收预备党员的最长审批期限", 6, "months", False,
     f"{RULES_2014}第二十五条：遇有特殊情况可适当延长审批时间，但不得超过六个月。（步骤⑰）"),
    ("probation", "预备期", 1, "years", False,
     f"《中国共产党章程》第七条：预备党员的预备期为一年。{RULES_2014}第三十三条：预备期自支部大会通过其为预备党员之日算起。"),
    ("extension_min", "延长预备期最短", 6, "months", False,
     f"《中国共产党章程》第七条：需要继续考察和教育的，可以延长预备期，但不能超过一年。{RULES_2014}第三十一条：延长"
     "时间不能少于半年，最长不超过一年；只能延长一次。（步骤㉓）"),
    ("extension_max", "延长预备期最长", 12, "months", False,
     "《中国共产党章程》第七条：可以延长预备期，但不能超过一年。（步骤㉓）"),
    ("full_approval_within", "转正的审批期限", 3, "months", False,
     f"{RULES_2014}第三十二条：上级党组织应当在三个月内审批预备党员转正。（步骤㉔）"),
    ("reminder_lead", "发展党员到期提醒提前天数", 14, "days", True,
     "本地规定：谈话、考察、审批、预备期满等在到期前多少天提醒乡镇流动党员服务站。"),
    ("quota_warning_lead", "配额预警提前天数", 60, "days", True,
     "本地规定：考核周期结束前多少天，向尚未达标的村、镇、组织发出预警。"),
]

S000 = "紫办字〔2020〕45号《关于做好2020年农民工党建工作的通知》"
S002 = "《实施“金桥工程”的决定》"
BRANCH_RULES = "《中国共产党支部工作条例（试行）》"

QUOTA_RULES = [
    ("village-reserve-cadres", "每村每年至少培养3名村级后备力量", "village", "village_reserve_cadres", "gte", 3, "year",
     f"seed 000 §18，{S000}第18条：各镇党委要统筹做好后备培养工作，每村每年至少培养3名以上村级后备力量，其中至少有1名优秀返乡农民工。"),
    ("village-returnee-reserve", "每村每年后备力量中至少1名返乡农民工", "village", "village_returnee_reserve_cadres", "gte",
     1, "year", f"seed 000 §18，{S000}第18条：……其中至少有1名优秀返乡农民工。"),
    ("village-migrant-members", "每村每两年至少发展1名农民工党员", "village", "village_members_developed", "gte", 1,
     "two_years", f"seed 000 §19，{S000}第19条：每村每两年至少发展1名以上农民工党员。（两年一期，自2020年起算）"),
    ("outpost-activists", "驻外党支部每年培养2名以上入党积极分子", "outpost", "outpost_new_activists", "gte", 2, "year",
     f"seed 002 §4.4，{S002}：每个驻外党支部每年要培养2名以上的入党积极分子。"),
    ("outpost-admissions", "驻外党支部每年吸收1名以上积极分子入党", "outpost", "outpost_admissions", "gte", 1, "year",
     f"seed 002 §4.4，{S002}：每个驻外党支部每年要……吸收1名以上积极分子入党。"),
    ("town-outpost-branch", "每个乡镇至少建立1个驻外党支部", "town", "town_outpost_branches", "gte", 1, "point_in_time",
     f"seed 002 §4.2，{S002}：每个乡镇都要建立1个以上的驻外党支部。"),
    ("town-host-liaison", "镇党委与流入地党组织每半年至少交流一次", "agreement", "agreement_liaisons", "gte", 1,
     "half_year", f"seed 000 §6，{S000}第6条：各镇党委要采取电话交流、召开视频会、发送信函等多种形式，每半年至少交流一次。"),
    ("county-joint-meetings", "联席会议每年至少召开两次", "county", "county_joint_meetings", "gte", 2, "year",
     f"seed 000 §3，{S000}第3条：严格落实联席会议制度……每年至少召开两次联席会议。"),
    ("outpost-secretary-training", "驻外流动党组织书记每年至少集中培训1次", "outpost", "outpost_secretary_trainings",
     "gte", 1, "year", f"seed 000 §8，{S000}第8条：每年至少对驻外流动党组织书记、专（兼）职党务工作者或党员集中培训1次。"),
    ("branch-min-members", "党支部正式党员不少于3人", "organization", "branch_full_members", "gte", 3, "point_in_time",
     f"《中国共产党章程》第三十条；{BRANCH_RULES}：正式党员3人以上的，应当成立党支部；不足3人的，可以与邻近单位的党员"
     "成立联合党支部（一般不超过5个单位）。按本平台党员台账中的正式党员计。"),
    ("branch-max-members", "党支部党员一般不超过50人", "organization", "branch_full_members", "lte", 50,
     "point_in_time", f"{BRANCH_RULES}：党支部党员人数一般不超过50人。按本平台党员台账中的正式党员计。"),
    ("branch-committee", "正式党员7人以上的党支部设立支部委员会", "organization", "branch_committee_established", "gte", 1,
     "point_in_time", f"{BRANCH_RULES}：有正式党员7人以上的党支部，设立党支部委员会，委员会由3至5人组成；不足7人的，"
     "不设支部委员会，设书记1名。以“支部委员会”登记为准。"),
    ("general-branch-size", "党总支正式党员超过50人", "organization", "general_branch_full_members", "gt", 50,
     "point_in_time", f"{BRANCH_RULES}：党员人数超过50人的，经上级党组织批准，可以成立党的总支部委员会。含所属党支部党员。"),
    ("committee-size", "基层党委正式党员100人以上", "organization", "committee_full_members", "gte", 100,
     "point_in_time", "党内法规关于基层党组织设置的规定：党员人数100人以上的，经上级党组织批准，设立党的基层委员会。"
     "含所属党总支、党支部党员；乡镇、县党委按行政层级设立，不在此列。"),
]


def seed(apps, schema_editor):
    TimeLimit = apps.get_model("talent", "TimeLimit")
    QuotaRule = apps.get_model("talent", "QuotaRule")
    for code, label, value, unit, local, source in TIME_LIMITS:
        TimeLimit.objects.get_or_create(code=code, defaults={"label": label, "value": value, "unit": unit,
                                                             "source": source, "is_local": local})
    for code, name, subject, metric, comparison, threshold, period, source in QUOTA_RULES:
        QuotaRule.objects.get_or_create(code=code, defaults={
            "name": name, "subject": subject, "metric": metric, "comparison": comparison,
            "threshold": Decimal(threshold), "period": period, "source": source, "active": True})


class Migration(migrations.Migration):
    dependencies = [("talent", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
