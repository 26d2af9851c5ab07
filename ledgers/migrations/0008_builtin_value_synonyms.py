"""The built-in synonyms (county empty): everyday words clerks write in coded columns (issue 14).

Industry words follow the sections (门类) of GB/T 4754-2017 国民经济行业分类: each section's full name, the names
clerks shorten (``居民服务业``, ``批发零售``) and common words for the trade. Sections without an option of their own
(D 电力热力燃气及水, J 金融, K 房地产, L 租赁和商务服务, M 科学研究, N 水利环境, P 教育, R 文化体育娱乐,
S 公共管理, T 国际组织) mean "其他". Words that could mean more than one option are left out on purpose (``服务业``
may be 居民服务 or 信息技术服务; ``返乡`` may be 已返乡 or 有返乡意向; ``工业`` may be 采矿 or 制造): the preview
asks the clerk once instead.

The words as written are data here, frozen with this migration; their normalised form is computed with
ledgers.matching.normalise, and the matcher normalises every word again when it loads them.
"""

from django.db import migrations

from ledgers.matching import normalise

# column → target code → words
BUILTIN = {
    "return_intention": {
        "none": ["暂无", "没有", "无", "无意向", "否", "不返乡", "暂不返乡", "不回乡", "无返乡打算"],
        "considering": ["有意返乡", "想回乡", "打算返乡", "有", "是", "有意向", "想返乡", "打算回乡", "准备返乡",
                        "有返乡打算"],
        "returned": ["已回乡", "已经返乡", "已回", "已返回"],
        "": ["不详", "不清楚"],
    },
    "industry": {
        "manufacturing": ["制造业", "工厂", "加工", "加工制造", "生产制造", "电子厂", "纺织", "服装加工"],
        "construction": ["建筑业", "建筑施工", "建筑工地", "工地", "施工", "装修", "装饰装修"],
        "mining": ["采矿业", "矿山", "煤矿"],
        "trade": ["批发和零售业", "批发零售", "批发业", "零售业", "商贸", "超市"],
        "transport": ["交通运输、仓储和邮政业", "交通运输", "运输业", "物流", "仓储", "快递", "邮政", "货运"],
        "hospitality": ["住宿和餐饮业", "住宿餐饮", "餐饮业", "住宿业", "酒店", "饭店", "宾馆"],
        "household": ["居民服务、修理和其他服务业", "居民服务业", "修理业", "维修", "家政", "家政服务", "美容美发"],
        "it": ["信息传输、软件和信息技术服务业", "软件和信息技术服务业", "信息技术", "软件", "IT", "互联网", "电信"],
        "agriculture": ["农、林、牧、渔业", "农林牧渔", "农业", "林业", "牧业", "渔业", "畜牧业", "种植", "养殖",
                        "种养殖", "务农"],
        "health": ["卫生和社会工作", "医疗", "卫生", "医疗卫生", "医院", "社会工作"],
        "other": ["其它", "电力、热力、燃气及水生产和供应业", "金融业", "房地产业", "租赁和商务服务业",
                  "科学研究和技术服务业", "水利、环境和公共设施管理业", "教育", "文化、体育和娱乐业",
                  "公共管理、社会保障和社会组织", "国际组织"],
    },
    "direction": {
        "out": ["外出务工", "外出打工", "流出"],
        "in": ["外来务工", "外来人员", "流入"],
    },
    "political_status": {
        "member": ["党员", "正式党员", "共产党员", "中国共产党党员"],
        "probationary": ["预备党员"],
        "league": ["团员", "共青团员"],
        "other_party": ["民主党派成员", "民主党派人士"],
        "masses": ["无党派", "普通群众"],
        "": ["不详"],
    },
    "wish": {
        "yes": ["是", "愿意", "有意愿"],
        "no": ["否", "没有", "不愿意", "无意愿", "暂无"],
        "": ["不详", "不清楚"],
    },
    "education": {
        "primary": ["小学", "文盲", "半文盲", "未上学", "小学以下"],
        "junior": ["初级中学"],
        "senior": ["高中", "中专", "技校", "职高", "中职", "职中", "中技"],
        "college": ["专科", "大学专科", "高职"],
        "bachelor": ["大学", "本科", "大学本科", "研究生", "硕士", "博士", "学士"],
    },
}


def builtin_rows():
    """``(column, word, normalised, target)`` once per normalised form; two targets for one form is a mistake here."""
    seen = {}
    for column, targets in BUILTIN.items():
        for target, words in targets.items():
            for word in words:
                key = (column, normalise(word))
                if key in seen:
                    if seen[key] != target:
                        raise ValueError(f"built-in synonym {column}:{word} means both {seen[key]} and {target}")
                    continue
                seen[key] = target
                yield column, word, key[1], target


def seed(apps, schema_editor):
    ValueSynonym = apps.get_model("ledgers", "ValueSynonym")
    ValueSynonym.objects.bulk_create(
        [ValueSynonym(county=None, column=column, word=word, normalised=normalised, target=target)
         for column, word, normalised, target in builtin_rows()])


def unseed(apps, schema_editor):
    apps.get_model("ledgers", "ValueSynonym").objects.filter(county__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [("ledgers", "0007_value_synonym")]

    operations = [migrations.RunPython(seed, unseed)]
