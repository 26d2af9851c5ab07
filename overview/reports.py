"""Reports counted from the records: the county statistics table (seed 001 §1) and the printed ledger forms.

Every query starts from ``restrict(user)`` and the chosen unit, so a clerk's report is made of their town's records
only, whatever unit code they ask for (an out-of-scope unit is refused by the view before this runs).

The statistics table has one row per town of a county (per village of a town) and a total counted directly, not
summed from the rows: records kept at a higher level (a county-run training, an outpost branch of the county) count
in the total only. Ledger figures are the people on the ledgers now; flows (trainings, cases, ventures, development,
posts) are those dated within the period. Population and the county's total party membership are not in the ledgers:
county staff enter them per year (organizations.CountyYearFigures).
"""

import datetime
import io
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ledgers.choices import Direction
from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.choices import OrgForm
from organizations.models import CountyYearFigures, PartyOrganization, Unit
from services.choices import CaseKind
from talent.choices import CADRE_APPOINTMENTS
from zyparty.excel import is_formula_like
from zyparty.filters import unit_filter_q
from zyparty.masking import scrub


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: str = ""
    kind: str = "count"  # count / share / money
    note: str = ""


def columns():
    """The table's columns, in the order of seed 001 §1's 基本情况."""
    ventures = _venture_kinds()
    cols = [
        Column("villages", _("村（社区）数"), _("基本情况")),
        Column("population", _("总人口"), _("基本情况"), note=_("县年度基础数据")),
        Column("working_away", _("外出务工人数"), _("外出务工"), note=_("台账现有")),
        Column("working_away_share", _("占总人口比例"), _("外出务工"), kind="share"),
        Column("party_members_total", _("党员总数"), _("党员"), note=_("县年度基础数据")),
        Column("migrant_members", _("农民工党员"), _("党员"), note=_("台账现有")),
        Column("migrant_members_share", _("占党员比例"), _("党员"), kind="share"),
        Column("outpost_organizations", _("驻外、流动党组织"), _("组织建设"), note=_("期末已建")),
        Column("online_branches", _("网络党支部"), _("组织建设"), note=_("期末已建")),
        Column("training_attendance", _("技能培训人次"), _("服务"), note=_("期内")),
        Column("rights_cases", _("维权案件"), _("服务"), note=_("期内受理")),
        Column("amount_recovered", _("挽回经济损失（元）"), _("服务"), kind="money", note=_("期内受理")),
        Column("activists", _("培养入党积极分子"), _("发展党员"), note=_("期内确定")),
        Column("developed", _("发展党员"), _("发展党员"), note=_("期内接收预备党员")),
    ]
    cols += [Column(f"venture_{value}", str(label), _("返乡创业"), note=_("期内创办")) for value, label in ventures]
    cols.append(Column("two_committee", _("进入村“两委”"), _("人才"), note=_("期内任职人数")))
    return cols


def _model(app_label, name):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _venture_kinds():
    model = _model("talent", "ReturneeVenture")
    return list(model._meta.get_field("kind").choices) if model is not None else []


@dataclass
class ReportRow:
    unit: Unit | None
    label: str
    values: dict = field(default_factory=dict)
    is_total: bool = False


@dataclass
class StatisticsReport:
    unit: Unit
    start: datetime.date
    end: datetime.date
    columns: list
    rows: list
    total: ReportRow
    figures_year: int | None
    missing: list  # labels of the figures this installation cannot count yet
    generated_at: datetime.datetime

    @property
    def title(self):
        return _("%(unit)s农民工党建工作统计表") % {"unit": self.unit.full_name}

    @property
    def period_label(self):
        return _("统计期间：%(start)s 至 %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def matrix(self):
        """Rows of cells (label first), total last: what the page and the workbook both show."""
        return [[row.label] + [row.values.get(c.key) for c in self.columns] for row in [*self.rows, self.total]]


def _child_level(unit):
    return {"county": "town", "town": "village"}.get(unit.level)


def _counted(queryset, unit, child_field, measure=None):
    """(value per child unit, total) of ``queryset`` inside ``unit``."""
    measure = measure if measure is not None else Count("pk")
    inside = queryset.filter(unit_filter_q(queryset.model, unit)).order_by()
    total = inside.aggregate(v=measure)["v"] or 0
    by_child = {}
    if child_field:
        by_child = {k: v or 0 for k, v in inside.values_list(child_field).annotate(v=measure) if k is not None}
    return by_child, total


def _within(start, end, name):
    return Q(**{f"{name}__gte": start, f"{name}__lte": end})


def statistics_report(user, unit, start, end) -> StatisticsReport:
    child_level = _child_level(unit)
    child_field = f"{child_level}_id" if child_level else None
    children = (list(Unit.objects.restrict(user).filter(parent=unit, is_active=True).order_by("code"))
                if child_level else [])
    cols = columns()
    per_child = {c.pk: {} for c in children}
    total = {}
    missing = []

    def put(key, result):
        by_child, all_ = result
        for pk, values in per_child.items():
            values[key] = by_child.get(pk, 0)
        total[key] = all_

    # Villages under each town; towns and villages of the whole unit.
    units = Unit.objects.restrict(user).filter(is_active=True, level="village")
    if unit.level == "county":
        put("villages", _counted(units, unit, "town_id"))
        total["towns"] = len(children)
    elif unit.level == "town":
        total["villages"] = units.filter(town=unit).count()
        for values in per_child.values():
            values["villages"] = None
    else:
        total["villages"] = None

    workers = Worker.objects.restrict(user).filter(direction=Direction.OUTGOING)
    put("working_away", _counted(workers, unit, child_field))
    put("migrant_members", _counted(PartyMember.objects.restrict(user), unit, child_field))

    built = PartyOrganization.objects.restrict(user).filter(is_active=True).filter(
        Q(founded_on__isnull=True) | Q(founded_on__lte=end))
    put("outpost_organizations", _counted(built.filter(Q(is_outpost=True) | Q(form=OrgForm.MOBILE)), unit,
                                          child_field if child_level == "town" else None))
    put("online_branches", _counted(built.filter(form=OrgForm.ONLINE), unit,
                                    child_field if child_level == "town" else None))
    if child_level == "village":
        # Outpost and online branches are built by towns: a village row has none of its own.
        for values in per_child.values():
            values["outpost_organizations"] = values["online_branches"] = None

    attendee = _model("services", "TrainingAttendee")
    if attendee is not None:
        put("training_attendance", _counted(attendee.objects.restrict(user).filter(
            _within(start, end, "training__held_on")), unit, child_field))
    else:
        missing.append(_("技能培训人次"))

    case = _model("services", "ServiceCase")
    if case is not None:
        cases = case.objects.restrict(user).filter(_within(start, end, "opened_on"),
                                                   kind__in=(CaseKind.WAGE_RECOVERY, CaseKind.LEGAL_AID))
        put("rights_cases", _counted(cases, unit, child_field))
        put("amount_recovered", _counted(cases, unit, child_field, Sum("amount_recovered")))
    else:
        missing += [_("维权案件"), _("挽回经济损失")]

    development = _model("talent", "DevelopmentCase")
    if development is not None:
        cases = development.objects.restrict(user)
        put("activists", _counted(cases.filter(_within(start, end, "activist_on")), unit, child_field))
        put("developed", _counted(cases.filter(_within(start, end, "admitted_on")), unit, child_field))
    else:
        missing += [_("培养入党积极分子"), _("发展党员")]

    venture = _model("talent", "ReturneeVenture")
    if venture is not None:
        founded = venture.objects.restrict(user).filter(_within(start, end, "founded_on"))
        for value, _label in _venture_kinds():
            put(f"venture_{value}", _counted(founded.filter(kind=value), unit, child_field))
    else:
        missing.append(_("返乡创业"))

    appointment = _model("talent", "Appointment")
    if appointment is not None:
        posts = appointment.objects.restrict(user).filter(_within(start, end, "start_on"),
                                                          kind__in=CADRE_APPOINTMENTS)
        put("two_committee", _counted(posts, unit, child_field, Count("talent", distinct=True)))
    else:
        missing.append(_("进入村“两委”"))

    figures = None
    if unit.level == "county":
        figures = (CountyYearFigures.objects.restrict(user).filter(county=unit, year__lte=end.year)
                   .order_by("-year").first())
    total["population"] = figures.population if figures else None
    total["party_members_total"] = figures.party_members_total if figures else None
    for values in [total, *per_child.values()]:
        values.setdefault("population", None)
        values.setdefault("party_members_total", None)
        values["working_away_share"] = _share(values.get("working_away"), values["population"])
        values["migrant_members_share"] = _share(values.get("migrant_members"), values["party_members_total"])

    rows = [ReportRow(unit=c, label=c.name, values=per_child[c.pk]) for c in children]
    total_label = (_("合计（%(n)s个乡镇）") % {"n": total["towns"]} if unit.level == "county"
                   else _("合计") if children else unit.name)
    return StatisticsReport(
        unit=unit, start=start, end=end, columns=cols, rows=rows,
        total=ReportRow(unit=unit, label=total_label, values=total, is_total=True),
        figures_year=figures.year if figures else None, missing=missing, generated_at=timezone.now())


def _share(part, whole):
    """A percentage with two decimals (seed 001 writes 22.86%), or None when the base is not entered."""
    if part is None or not whole:
        return None
    return round(part * 100.0 / whole, 2)


def format_cell(column, value):
    if value is None:
        return "—"
    if column.kind == "share":
        return f"{value:.2f}%"
    if column.kind == "money":
        return f"{float(value):,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


# The .xlsx --------------------------------------------------------------------------------------------------------

def _put(ws, row, column, value):
    """A cell; text a spreadsheet would run as a formula is stored as a string with Excel's quote prefix
    (SECURITY.md "exports"; the same rule as zyparty.excel's export writer)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def statistics_xlsx(report: StatisticsReport, *, author="") -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 — openpyxl is a slow import, paid only when a workbook is written
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # noqa: PLC0415 — as above
    from openpyxl.utils import get_column_letter  # noqa: PLC0415 — as above

    wb = Workbook()
    ws = wb.active
    ws.title = _("统计表")
    width = len(report.columns) + 1
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    _put(ws, 1, 1, report.title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).alignment = centre
    subtitle = report.period_label
    if report.figures_year:
        subtitle += _("；人口、党员总数为%(y)s年度数据") % {"y": report.figures_year}
    _put(ws, 2, 1, subtitle)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)

    ws.cell(row=3, column=1, value=_("单位")).alignment = centre
    ws.merge_cells(start_row=3, start_column=1, end_row=4, end_column=1)
    col = 2
    groups = []
    for c in report.columns:
        if groups and groups[-1][0] == c.group:
            groups[-1][2] = col
        else:
            groups.append([c.group, col, col])
        header = c.label + (f"（{c.note}）" if c.note else "")
        _put(ws, 4, col, header).alignment = centre
        col += 1
    for name, first, last in groups:
        _put(ws, 3, first, name).alignment = centre
        if last > first:
            ws.merge_cells(start_row=3, start_column=first, end_row=3, end_column=last)
    header_fill = PatternFill("solid", fgColor="F3E5E5")
    for r in (3, 4):
        for cidx in range(1, width + 1):
            cell = ws.cell(row=r, column=cidx)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.border = border

    r = 5
    for row in [*report.rows, report.total]:
        _put(ws, r, 1, row.label).border = border
        for cidx, c in enumerate(report.columns, start=2):
            value = row.values.get(c.key)
            cell = ws.cell(row=r, column=cidx)
            if value is None:
                cell.value = "—"
                cell.alignment = Alignment(horizontal="center")
            elif c.kind == "share":
                cell.value = value / 100.0
                cell.number_format = "0.00%"
            elif c.kind == "money":
                cell.value = float(value)
                cell.number_format = "#,##0.00"
            else:
                cell.value = value
                cell.number_format = "#,##0"
            cell.border = border
            if row.is_total:
                cell.font = Font(bold=True)
        if row.is_total:
            ws.cell(row=r, column=1).font = Font(bold=True)
        r += 1

    notes = [_("说明：台账人数为生成时在册人数；培训、案件、发展党员、创业、任职为统计期间内发生数；"
               "总人口和党员总数由县委组织部按年度填报。")]
    if report.missing:
        notes.append(_("本系统尚未记录：%(items)s。") % {"items": "、".join(report.missing)})
    notes.append(_("生成时间：%(at)s %(who)s") % {
        "at": timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M"), "who": author})
    for note in notes:
        r += 1
        _put(ws, r, 1, note)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)

    ws.column_dimensions["A"].width = 18
    for cidx in range(2, width + 1):
        ws.column_dimensions[get_column_letter(cidx)].width = 13
    ws.row_dimensions[4].height = 48
    ws.freeze_panes = "B5"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToHeight = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# Printed ledger forms ---------------------------------------------------------------------------------------------

def _display(model, name):
    field_ = model._meta.get_field(name)
    labels = dict(field_.choices or [])
    return lambda value: str(labels.get(value, value or ""))


def _date(value):
    return value.isoformat() if value else ""


def _masked_text(value):
    return "******" if value else ""


@dataclass(frozen=True)
class LedgerForm:
    """One printed ledger: its model, its CONTRACT.md headers and how each cell is read (masked where personal)."""

    code: str
    title: str
    model: type
    # (header, field or lookup, formatter)
    columns: tuple
    select_related: tuple = ()
    per_village: bool = True


def ledger_forms():
    w = Worker
    m = PartyMember
    a = Activist
    e = HostEnterprise
    return {
        "workers": LedgerForm("workers", _("农民工台账"), w, (
            ("姓名", "name", str), ("身份证号", "id_masked", str), ("联系电话", "phone_masked", str),
            ("户籍村(社区)", "village__name", str), ("外出/外来", "direction", _display(w, "direction")),
            ("务工地", "destination_text", str), ("务工单位", "employer_name", str),
            ("统一社会信用代码", "employer_credit_code", str), ("从事行业", "industry", _display(w, "industry")),
            ("就业技能", "skills", str), ("月收入(元)", "monthly_income", lambda v: "" if v is None else str(v)),
            # Personal data (SECURITY.md): political status and family notes are masked on paper too.
            ("政治面貌", "political_status", _masked_text), ("家庭情况", "family_situation", _masked_text),
            ("返乡意向", "return_intention", _display(w, "return_intention")),
            ("入党意愿", "party_wish", _display(w, "party_wish")), ("任职意愿", "post_wish", _display(w, "post_wish")),
            ("外出时间", "left_on", _date), ("备注", "remarks", scrub))),
        "enterprises": LedgerForm("enterprises", _("农民工聚集地企业台账"), e, (
            ("企业名称", "name", str), ("统一社会信用代码", "credit_code", str), ("所在地", "address", str),
            ("行业", "industry", _display(e, "industry")), ("党建联络员", "liaison_name", str),
            ("联络员电话", "liaison_phone_masked", str), ("党组织", "party_organization__name", str),
            ("备注", "remarks", scrub)), per_village=False),
        "members": LedgerForm("members", _("农民工党员台账"), m, (
            ("姓名", "name", str), ("身份证号", "id_masked", str), ("入党日期", "joined_on", _date),
            ("转正日期", "full_member_on", _date), ("组织关系所在党组织", "home_organization__name", str),
            ("参加活动党组织", "activity_organization__name", str), ("流动党员活动证号", "certificate_no", str),
            ("备注", "remarks", scrub))),
        "activists": LedgerForm("activists", _("农民工入党积极分子台账"), a, (
            ("姓名", "name", str), ("身份证号", "id_masked", str), ("申请入党日期", "applied_on", _date),
            ("确定积极分子日期", "activist_on", _date), ("培养联系人", "cultivation_contacts", str),
            ("培养党组织", "cultivating_organization__name", str), ("户籍地党组织", "home_organization__name", str),
            ("备注", "remarks", scrub))),
    }


@dataclass
class PrintedSection:
    title: str
    rows: list  # each row's <tr>, built here: thousands of rows render in a fraction of the template's time

    @property
    def count(self):
        return len(self.rows)


def _row_html(number, cells):
    # nosec B308 B703: every cell is escaped and ``number`` is a row count (an int); one string per row instead of
    # format_html_join keeps a printed county ledger of tens of thousands of rows fast.
    return mark_safe(f'<tr><td class="seq">{int(number)}</td>'  # nosec B308 B703
                     + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")


def ledger_sections(user, form: LedgerForm, unit):
    """The ledger's rows inside ``unit`` as the user may see them, one section per village (page breaks between),
    every cell already masked and formatted. Returns (sections, row count)."""
    lookups = [lookup for _h, lookup, _f in form.columns]
    group = "village__name" if form.per_village else None
    qs = form.model.objects.restrict(user).filter(unit_filter_q(form.model, unit))
    order = ("village__code", "id") if form.per_village else ("id",)
    fields = lookups + ([group, "village__code"] if group else [])
    sections, current, count = [], None, 0
    for values in qs.order_by(*order).values_list(*fields).iterator(chunk_size=2000):
        cells = [fmt(value) for (_h, _l, fmt), value in zip(form.columns, values)]
        title = (values[len(lookups)] or _("未填户籍村")) if group else ""
        if current is None or current.title != title:
            current = PrintedSection(title=title, rows=[])
            sections.append(current)
        current.rows.append(_row_html(len(current.rows) + 1, cells))
        count += 1
    return sections, count
