"""The rules of member development, the reserve-cadre profile and quota periods — each in exactly one place.

Member development follows the 2014 《中国共产党发展党员工作细则》 (articles cited by that text's numbering, with
the step number of DOMAIN.md ①–㉕) and the co-managed path of seed 000 §7. Every number a county may adjust is a
row of ``TimeLimit`` read through ``Limits``; the official counts (1–2 contacts, 2 sponsors, a majority of those
entitled to vote) are the regulations themselves and stay here.

A step is checked against the case as recorded so far (``StepContext``); a broken rule raises a ``ValidationError``
whose message says, in Chinese, which rule and why, so a clerk can act on it.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ledgers.choices import Education
from talent import choices
from talent.calendar import add_working_days, working_days
from talent.choices import Outcome, Step
from talent.models import TimeLimit
from zyparty.dates import add_months, add_years, age_on

# Time limits ------------------------------------------------------------------------------------------------------


class Limits:
    """The ``TimeLimit`` table as one dictionary, loaded once per evaluation (one query)."""

    def __init__(self, rows):
        self.rows = {row.code: row for row in rows}

    @classmethod
    def load(cls):
        return cls(TimeLimit.objects.all())

    def __getitem__(self, code):
        try:
            return self.rows[code]
        except KeyError:
            raise ValidationError(_("时限“%(code)s”未在“时限与阈值”表中配置，请县级管理员补充后再办理。") % {"code": code})

    def value(self, code) -> int:
        return self[code].value

    def text(self, code) -> str:
        row = self[code]
        return f"{row.value}{row.get_unit_display()}"

    def after(self, code, day: datetime.date) -> datetime.date:
        """``day`` plus the limit: calendar years, months, days, or working days counted after ``day``."""
        row = self[code]
        unit = row.unit
        if unit == choices.LimitUnit.YEARS:
            return add_years(day, row.value)
        if unit == choices.LimitUnit.MONTHS:
            return add_months(day, row.value)
        if unit == choices.LimitUnit.DAYS:
            return day + datetime.timedelta(days=row.value)
        if unit == choices.LimitUnit.WORKING_DAYS:
            return add_working_days(day + datetime.timedelta(days=1), row.value)
        raise ValidationError(_("时限“%(label)s”的单位不是时间长度。") % {"label": row.label})

    def span_ok(self, code, start: datetime.date, end: datetime.date) -> bool:
        """Whether the period from ``start`` to ``end`` (both included) lasts at least the limit."""
        row = self[code]
        if row.unit == choices.LimitUnit.WORKING_DAYS:
            return working_days(start, end) >= row.value
        return end >= self.after(code, start) - datetime.timedelta(days=1)


# Step checks -------------------------------------------------------------------------------------------------------


def refuse(message, field="done_on", code="rule"):
    raise ValidationError({field: [message]}, code=code)


@dataclass
class StepContext:
    """What a rule sees: the case, its steps so far (recording order), the new step (unsaved) and its people."""

    case: object
    steps: list
    new: object
    participants: list
    limits: Limits
    today: datetime.date
    facts: dict = field(default_factory=dict)

    @property
    def step(self) -> int:
        return self.new.step

    @property
    def on(self) -> datetime.date:
        return self.new.done_on

    def last(self, number):
        for record in reversed(self.steps):
            if record.step == number:
                return record
        return None

    def all(self, number):
        return [record for record in self.steps if record.step == number]

    def people(self, role):
        return [p for p in self.participants if p.role == role]


STEP_RULES = defaultdict(list)
GENERAL_RULES = []


def rule(*steps):
    """Register a check for the given steps (none: for every step)."""

    def decorator(function):
        if steps:
            for number in steps:
                STEP_RULES[number].append(function)
        else:
            GENERAL_RULES.append(function)
        return function

    return decorator


def check_step(ctx: StepContext):
    """Run every rule that applies to ``ctx.step``; the first broken one raises."""
    for check in GENERAL_RULES + STEP_RULES[ctx.step]:
        check(ctx)


def _label(number):
    return str(Step(number).label)


def _d(day):
    return f"{day:%Y年%m月%d日}" if day else ""


@rule()
def case_is_open(ctx):
    if ctx.case.status != choices.CaseStatus.OPEN:
        refuse(_("该发展案卷%(status)s，不能再记录步骤。") % {"status": ctx.case.get_status_display()}, field="step")


@rule()
def date_is_real(ctx):
    """A step records what happened: it cannot be dated in the future nor before the step recorded before it."""
    if ctx.on is None:
        refuse(_("请填写办理日期。"))
    if ctx.on > ctx.today:
        refuse(_("办理日期 %(d)s 晚于今天：只能记录已经办理的步骤。") % {"d": _d(ctx.on)})
    if ctx.steps and ctx.on < ctx.steps[-1].done_on:
        refuse(_("办理日期 %(d)s 早于上一步骤（%(s)s，%(p)s）：步骤应按顺序办理。") % {
            "d": _d(ctx.on), "s": _label(ctx.steps[-1].step), "p": _d(ctx.steps[-1].done_on)})


def allowed_next(steps) -> set:
    """Steps that may follow the ones recorded (in recording order): the 25 steps in order, ⑥ and ㉑ repeatable,
    ㉓/㉔ again after an approved extension of the probation or a refused decision."""
    if not steps:
        return {Step.APPLICATION}
    last = steps[-1]
    if last.step == Step.FULL_APPROVAL:
        meeting = next(s for s in reversed(steps) if s.step == Step.FULL_MEETING)
        if last.outcome == Outcome.REJECTED or (meeting.outcome == Outcome.EXTEND and last.outcome == Outcome.APPROVED):
            return {Step.FULL_MEETING}
        if meeting.outcome == Outcome.CONVERT:
            return {Step.ARCHIVE}
        return set()
    nxt = {last.step + 1} if last.step < Step.ARCHIVE else set()
    if last.step in choices.REPEATABLE_STEPS:
        nxt.add(last.step)
    return nxt


@rule()
def in_order(ctx):
    """The 25 steps are taken in order (发展党员工作细则; DOMAIN.md "5 stages, 25 steps")."""
    allowed = allowed_next(ctx.steps)
    if ctx.step not in allowed:
        if not allowed:
            refuse(_("该案卷当前没有可办理的步骤。"), field="step")
        names = "、".join(_label(n) for n in sorted(allowed))
        refuse(_("现在不能办理“%(s)s”：应先办理“%(n)s”。") % {"s": _label(ctx.step), "n": names}, field="step")


@rule(*sorted(choices.COMMITTEE_STEPS))
def committee_acts(ctx):
    """Approvals (⑰ and ㉔) are the home party committee's (户籍地党委审批, seed 000 §7; 细则第二十五、三十二条)."""
    org = ctx.new.organization
    if ctx.step in (Step.APPROVAL, Step.FULL_APPROVAL):
        if org is None or org.kind != "committee":
            refuse(_("“%(s)s”须由具有审批权限的基层党委办理，请选择户籍地党委。") % {"s": _label(ctx.step)},
                   field="organization")
        if ctx.case.committee_id and org.pk != ctx.case.committee_id:
            refuse(_("两地共管的发展党员由户籍地党委审批：应由“%(c)s”审批。") % {"c": ctx.case.committee},
                   field="organization")
    if ctx.new.host_organization_id is not None:
        refuse(_("“%(s)s”由户籍地党委办理，流入地党组织不能办理。") % {"s": _label(ctx.step)},
               field="host_organization")


def applicant_age_check(birth_date, applied_on, limits):
    """发展党员工作细则 第五条（步骤①）: 年满十八岁 may apply."""
    if birth_date is None or applied_on is None:
        return
    minimum = limits.value("applicant_min_age")
    if add_years(birth_date, minimum) > applied_on:
        refuse(_("申请入党时未满%(n)s周岁（出生于%(b)s，申请日期%(a)s，当时%(age)s周岁）：发展党员工作细则第五条规定年满十八岁方可申请。")
               % {"n": minimum, "b": _d(birth_date), "a": _d(applied_on), "age": age_on(birth_date, applied_on)},
               field="applied_on")


@rule(Step.APPLICATION)
def applicant_age(ctx):
    applicant_age_check(ctx.case.activist.birth_date, ctx.on, ctx.limits)


@rule(Step.TALK)
def talk_within_a_month(ctx):
    """发展党员工作细则 第七条（步骤②）: 党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话."""
    applied = ctx.last(Step.APPLICATION).done_on
    due = ctx.limits.after("talk_within", applied)
    if ctx.on > due:
        refuse(_("谈话日期 %(d)s 已超过收到入党申请书（%(a)s）后%(n)s的期限（最迟 %(due)s）：发展党员工作细则第七条。")
               % {"d": _d(ctx.on), "a": _d(applied), "n": ctx.limits.text("talk_within"), "due": _d(due)})


@rule(Step.ACTIVIST_CONFIRMED)
def activist_nominated(ctx):
    """发展党员工作细则 第八条（步骤③）: 党员推荐、群团组织推优产生人选，支部委员会研究决定."""
    if ctx.facts.get("nomination") not in choices.ActivistNomination.values:
        refuse(_("请注明入党积极分子人选的产生方式（党员推荐或群团组织推优）：发展党员工作细则第八条。"), field="nomination")


def is_full_member(person, on):
    """A participant counts as a full member if the ledger says so on ``on`` (or, for someone not in the migrant
    members' ledger, if declared so)."""
    member = person.member
    if member is not None:
        return (member.membership_status == "normal" and member.full_member_on is not None
                and member.full_member_on <= on)
    return bool(person.is_full_member)


def _full_members_only(ctx, people, what, article):
    for person in people:
        if not (person.name or "").strip():
            refuse(_("请填写%(what)s的姓名。") % {"what": what}, field="participants")
        if not is_full_member(person, ctx.on):
            refuse(_("%(name)s 不是正式党员（预备党员或非党员不能作%(what)s）：%(article)s。") % {
                "name": person.name, "what": what, "article": article}, field="participants")
    names = [p.member_id or p.name for p in people]
    if len(set(names)) != len(names):
        refuse(_("%(what)s不能重复。") % {"what": what}, field="participants")


@rule(Step.CONTACTS)
def cultivation_contacts(ctx):
    """发展党员工作细则 第九条（步骤⑤）: 党组织应当指定一至两名正式党员作入党积极分子的培养联系人."""
    contacts = ctx.people(choices.ParticipantRole.CONTACT)
    if not 1 <= len(contacts) <= 2:
        refuse(_("培养联系人应为一至两名正式党员，现填写了%(n)s名：发展党员工作细则第九条。") % {"n": len(contacts)},
               field="participants")
    _full_members_only(ctx, contacts, _("培养联系人"), _("发展党员工作细则第九条"))


@rule(Step.ASSESSMENT, Step.CONTINUED_EDUCATION)
def inspection_opinion(ctx):
    """The half-yearly assessment (细则第十一条) and the probation's continued education (细则第三十条) leave
    a written opinion; a host-place organization may only inspect a person it co-manages (seed 000 §7)."""
    if not (ctx.new.opinion or "").strip():
        refuse(_("请填写考察意见。"), field="opinion")
    host = ctx.new.host_organization_id
    if host is not None and host != ctx.case.host_organization_id:
        refuse(_("该流入地党组织不是此人的共管党组织，不能出具考察意见。"), field="host_organization")


def _assessment_windows(activist_on, until, limits):
    """Half-year windows from the activist date that end on or before ``until``."""
    windows, start = [], activist_on
    while True:
        end = limits.after("assessment_interval", start)
        if end > until:
            return windows
        windows.append((start, end))
        start = end


@rule(Step.TARGET_CONFIRMED)
def one_year_as_activist(ctx):
    """发展党员工作细则 第十三条（步骤⑦）: 经过一年以上培养教育和考察 before becoming a development target; the time
    served before a move counts on (第十二条: the date of ③ is the original one)."""
    since = ctx.last(Step.ACTIVIST_CONFIRMED).done_on
    earliest = ctx.limits.after("activist_min_period", since)
    if ctx.on < earliest:
        days = (ctx.on - since).days
        refuse(_("确定为入党积极分子（%(a)s）至今仅%(days)s天，未满%(n)s培养考察期（最早 %(e)s 可列为发展对象）：发展党员工作细则第十三条。")
               % {"a": _d(since), "days": days, "n": ctx.limits.text("activist_min_period"), "e": _d(earliest)})


@rule(Step.TARGET_CONFIRMED)
def half_yearly_assessments(ctx):
    """发展党员工作细则 第十一条（步骤⑥）: 党组织每半年对入党积极分子进行一次考察 — every half-year of the activist
    period has an assessment on record."""
    since = ctx.last(Step.ACTIVIST_CONFIRMED).done_on
    assessed = [s.done_on for s in ctx.all(Step.ASSESSMENT)]
    for start, end in _assessment_windows(since, ctx.on, ctx.limits):
        if not any(start <= day < end for day in assessed):
            refuse(_("%(s)s至%(e)s这半年没有考察记录：党组织每半年应对入党积极分子考察一次（发展党员工作细则第十一条）。")
                   % {"s": _d(start), "e": _d(end - datetime.timedelta(days=1))}, field="step")


@rule(Step.TARGET_CONFIRMED)
def both_places_inspect(ctx):
    """Seed 000 §7 双向考察: for a co-managed person both the home and the host organization have inspected."""
    if not ctx.case.is_co_managed:
        return
    assessments = ctx.all(Step.ASSESSMENT)
    if not any(s.host_organization_id == ctx.case.host_organization_id for s in assessments):
        refuse(_("两地共管的入党积极分子须有流入地党组织（%(h)s）的考察意见（双向考察）。") % {
            "h": ctx.case.host_organization}, field="step")
    if not any(s.host_organization_id is None for s in assessments):
        refuse(_("两地共管的入党积极分子须有户籍地党组织的考察意见（双向考察）。"), field="step")


def _notice_ok(ctx, start, end, start_field, where):
    if start is None or end is None:
        refuse(_("请填写%(w)s公示的起止日期。") % {"w": where}, field=start_field)
    if end < start:
        refuse(_("%(w)s公示结束日期早于开始日期。") % {"w": where}, field=start_field)
    if not ctx.limits.span_ok("notice_min", start, end):
        refuse(_("%(w)s公示自%(s)s至%(e)s只有%(n)s个工作日，不足%(min)s（节假日不计，调休上班日计入）。") % {
            "w": where, "s": _d(start), "e": _d(end), "n": working_days(start, end),
            "min": ctx.limits.text("notice_min")}, field=start_field)


@rule(Step.TARGET_CONFIRMED)
def target_notice(ctx):
    """The 2026 revision: a public notice of ≥5 working days before someone becomes a development target. Checked
    when recorded, required when ``settings.DEVELOPMENT_TARGET_NOTICE_REQUIRED``."""
    given = ctx.new.notice_start or ctx.new.notice_end
    if given or getattr(settings, "DEVELOPMENT_TARGET_NOTICE_REQUIRED", False):
        _notice_ok(ctx, ctx.new.notice_start, ctx.new.notice_end, "notice_start", _("确定发展对象前"))
        if ctx.new.notice_end >= ctx.on:
            refuse(_("公示尚未结束（%(e)s），不能确定为发展对象。") % {"e": _d(ctx.new.notice_end)})


@rule(Step.SPONSORS)
def two_sponsors(ctx):
    """发展党员工作细则 第十四条（步骤⑨）; 党章第五条: 要有两名正式党员作介绍人."""
    sponsors = ctx.people(choices.ParticipantRole.SPONSOR)
    if len(sponsors) != 2:
        refuse(_("入党介绍人应为两名正式党员，现填写了%(n)s名：党章第五条、发展党员工作细则第十四条。") % {"n": len(sponsors)},
               field="participants")
    _full_members_only(ctx, sponsors, _("入党介绍人"), _("党章第五条"))


@rule(Step.POLITICAL_REVIEW)
def political_review(ctx):
    """发展党员工作细则 第十六至十八条（步骤⑩）: no admission without a passed political review; for mobile people
    both the household-registration place and the residence are consulted."""
    if ctx.new.outcome not in (Outcome.PASSED, Outcome.FAILED):
        refuse(_("请填写政治审查结论（合格或不合格）。"), field="outcome")
    if ctx.case.is_mobile and ctx.new.outcome == Outcome.PASSED:
        if not (ctx.facts.get("consulted_home") and ctx.facts.get("consulted_residence")):
            refuse(_("流动人员的政治审查须同时征求户籍所在地和现居住地党组织的意见：发展党员工作细则第十八条。"),
                   field="consulted_residence")


@rule(Step.TRAINING)
def training_length(ctx):
    """发展党员工作细则 第十九条（步骤⑪）: 短期集中培训，时间一般不少于三天（或不少于24个学时）."""
    days, hours = ctx.new.training_days, ctx.new.training_hours
    if days is None and hours is None:
        refuse(_("请填写集中培训的天数或学时。"), field="training_days")
    if (days or 0) < ctx.limits.value("training_min_days") and (hours or 0) < ctx.limits.value("training_min_hours"):
        refuse(_("集中培训%(days)s天、%(hours)s学时，不足%(d)s或%(h)s：发展党员工作细则第十九条。") % {
            "days": days or 0, "hours": hours or 0, "d": ctx.limits.text("training_min_days"),
            "h": ctx.limits.text("training_min_hours")}, field="training_days")


@rule(Step.BRANCH_REVIEW)
def public_notice(ctx):
    """Public notice (公示) of the development target after the branch committee's review, ≥5 working days (local
    practice; national in the 2026 revision); for a co-managed person in both places (两地公示, seed 000 §7)."""
    _notice_ok(ctx, ctx.new.notice_start, ctx.new.notice_end, "notice_start", _("户籍地"))
    if ctx.new.notice_start < ctx.last(Step.TRAINING).done_on:
        refuse(_("公示应在集中培训之后进行。"), field="notice_start")
    if ctx.case.is_co_managed:
        _notice_ok(ctx, ctx.new.host_notice_start, ctx.new.host_notice_end, "host_notice_start", _("流入地"))


@rule(Step.PRE_REVIEW)
def notice_over(ctx):
    """The higher committee pre-reviews (步骤⑬, 细则第二十条) once the public notice is over."""
    review = ctx.last(Step.BRANCH_REVIEW)
    ends = max(d for d in (review.notice_end, review.host_notice_end) if d)
    if ctx.on <= ends:
        refuse(_("公示至%(e)s结束，预审应在公示期满之后。") % {"e": _d(ends)})


@rule(Step.PRE_REVIEW)
def not_leaving_soon(ctx):
    """Pre-review (步骤⑬): a target who will leave the unit within 3 months is generally not admitted there; the
    committee may still go on, stating why (``exception_reason``)."""
    leaving = ctx.new.expected_leave_on
    if leaving is None:
        return
    limit = ctx.limits.after("leave_within", ctx.on)
    if leaving <= limit and not (ctx.new.exception_reason or "").strip():
        refuse(_("发展对象预计于%(l)s离开工作单位，在预审后%(n)s以内，一般不予接收；如确需接收，请在“特殊情况说明”中写明理由。")
               % {"l": _d(leaving), "n": ctx.limits.text("leave_within")}, field="expected_leave_on")


def votes_check(new, what):
    """发展党员工作细则 第二十二、二十三条: 有表决权的到会人数超过应到会有表决权人数的半数; 赞成人数超过应到会有表决权的
    正式党员的半数 (written opinions of absent members included)."""
    entitled, present, yes = new.members_entitled, new.members_present, new.votes_yes
    if entitled is None or present is None or yes is None:
        refuse(_("请填写应到会、实到会有表决权的正式党员人数和赞成票数。"), field="members_entitled")
    if entitled == 0:
        refuse(_("应到会有表决权的正式党员人数不能为0。"), field="members_entitled")
    if present > entitled:
        refuse(_("实到会人数（%(p)s）多于应到会人数（%(e)s）。") % {"p": present, "e": entitled}, field="members_present")
    if yes > entitled:
        refuse(_("赞成票（%(y)s）多于应到会有表决权的正式党员（%(e)s）。") % {"y": yes, "e": entitled}, field="votes_yes")
    if present * 2 <= entitled:
        refuse(_("有表决权的到会人数%(p)s未超过应到会人数%(e)s的半数，%(what)s不能召开：发展党员工作细则第二十二条。") % {
            "p": present, "e": entitled, "what": what}, field="members_present")
    if yes * 2 <= entitled:
        refuse(_("赞成票%(y)s未超过应到会有表决权正式党员%(e)s人的半数，决议未通过：发展党员工作细则第二十三条。") % {
            "y": yes, "e": entitled}, field="votes_yes")


@rule(Step.BRANCH_MEETING)
def branch_meeting_votes(ctx):
    votes_check(ctx.new, _("支部大会"))


@rule(Step.INTERVIEW)
def interviewer_named(ctx):
    """发展党员工作细则 第二十四条（步骤⑯）: 党委委员或组织员同发展对象谈话."""
    if not ctx.people(choices.ParticipantRole.INTERVIEWER):
        refuse(_("请填写谈话的党委委员或组织员。"), field="participants")


@rule(Step.APPROVAL)
def approval_deadline(ctx):
    """发展党员工作细则 第二十五条（步骤⑰）: 上级党组织审批应在支部大会通过后三个月内; 特殊情况可适当延长，但不得超过
    六个月."""
    if ctx.new.outcome not in (Outcome.APPROVED, Outcome.REJECTED):
        refuse(_("请填写审批结论（批准或不批准）。"), field="outcome")
    meeting = ctx.last(Step.BRANCH_MEETING).done_on
    due, latest = ctx.limits.after("approval_within", meeting), ctx.limits.after("approval_max", meeting)
    if ctx.on > latest:
        refuse(_("支部大会%(m)s通过接收预备党员，审批已超过%(n)s的最长期限（%(l)s）：发展党员工作细则第二十五条。") % {
            "m": _d(meeting), "n": ctx.limits.text("approval_max"), "l": _d(latest)})
    if ctx.on > due and not (ctx.new.exception_reason or "").strip():
        refuse(_("审批已超过支部大会（%(m)s）后%(n)s（%(d)s）；特殊情况须写明理由，且最迟不超过%(l)s。") % {
            "m": _d(meeting), "n": ctx.limits.text("approval_within"), "d": _d(due), "l": _d(latest)},
            field="exception_reason")


def probation_end(case_steps, limits):
    """预备期 (党章第七条; 细则第三十三条): one year from the branch meeting's resolution (⑮), plus an approved
    extension."""
    meeting = next((s for s in reversed(case_steps) if s.step == Step.BRANCH_MEETING), None)
    if meeting is None:
        return None
    ends = limits.after("probation", meeting.done_on)
    months = approved_extension(case_steps)
    return add_months(ends, months) if months else ends


def approved_extension(case_steps):
    """Months of the probation extension approved (㉓ extend followed by an approving ㉔), or 0."""
    meeting = None
    for record in case_steps:
        if record.step == Step.FULL_MEETING:
            meeting = record
        elif (record.step == Step.FULL_APPROVAL and record.outcome == Outcome.APPROVED and meeting is not None
              and meeting.outcome == Outcome.EXTEND):
            return meeting.extension_months or 0
    return 0


@rule(Step.FULL_MEETING)
def probation_over(ctx):
    """发展党员工作细则 第三十一条（步骤㉓）: the branch discusses full membership when the probation has expired."""
    ends = probation_end(ctx.steps, ctx.limits)
    if ctx.on < ends:
        refuse(_("预备期至%(e)s期满，期满前不能讨论转正。") % {"e": _d(ends)})


@rule(Step.FULL_MEETING)
def full_meeting_decision(ctx):
    """党章第七条; 细则第三十一条: convert, extend once by 6–12 months, or cancel; votes as at ⑮."""
    votes_check(ctx.new, _("讨论转正的支部大会"))
    outcome = ctx.new.outcome
    if outcome not in (Outcome.CONVERT, Outcome.EXTEND, Outcome.CANCEL):
        refuse(_("请填写支部大会决议：按期转正、延长预备期或取消预备党员资格。"), field="outcome")
    if outcome == Outcome.EXTEND:
        if approved_extension(ctx.steps):
            refuse(_("预备期只能延长一次：党章第七条。"), field="outcome")
        months = ctx.new.extension_months
        low, high = ctx.limits.value("extension_min"), ctx.limits.value("extension_max")
        if months is None or not low <= months <= high:
            refuse(_("延长预备期应不少于%(l)s、最长不超过%(h)s：党章第七条、发展党员工作细则第三十一条。") % {
                "l": ctx.limits.text("extension_min"), "h": ctx.limits.text("extension_max")},
                field="extension_months")
    elif ctx.new.extension_months:
        refuse(_("只有延长预备期的决议才填写延长月数。"), field="extension_months")


@rule(Step.FULL_APPROVAL)
def full_approval_deadline(ctx):
    """发展党员工作细则 第三十二条（步骤㉔）: 上级党组织应当在三个月内审批."""
    if ctx.new.outcome not in (Outcome.APPROVED, Outcome.REJECTED):
        refuse(_("请填写审批结论（批准或不批准）。"), field="outcome")
    meeting = ctx.last(Step.FULL_MEETING).done_on
    due = ctx.limits.after("full_approval_within", meeting)
    if ctx.on > due:
        refuse(_("支部大会%(m)s讨论转正，审批已超过%(n)s的期限（%(d)s）：发展党员工作细则第三十二条。") % {
            "m": _d(meeting), "n": ctx.limits.text("full_approval_within"), "d": _d(due)})


# Deadlines for reminders ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    code: str
    step: int
    due_on: datetime.date
    label: str


def due_items(case, steps, limits) -> list[DueItem]:
    """The deadlines an open case is waiting on: the talk (②), the next half-yearly assessment (⑥), the approval
    (⑰), the end of the probation (㉓) and the full-membership approval (㉔)."""
    if case.status != choices.CaseStatus.OPEN or not steps:
        return []
    last = steps[-1].step
    items = []
    if last == Step.APPLICATION:
        items.append(DueItem("talk", Step.TALK, limits.after("talk_within", steps[-1].done_on),
                             _("收到入党申请书后一个月内谈话")))
    elif Step.ACTIVIST_CONFIRMED <= last <= Step.ASSESSMENT:
        base = max([s.done_on for s in steps if s.step in (Step.ACTIVIST_CONFIRMED, Step.ASSESSMENT)])
        items.append(DueItem("assessment", Step.ASSESSMENT, limits.after("assessment_interval", base),
                             _("每半年对入党积极分子考察一次")))
    elif last in (Step.BRANCH_MEETING, Step.INTERVIEW):
        meeting = next(s for s in reversed(steps) if s.step == Step.BRANCH_MEETING)
        items.append(DueItem("approval", Step.APPROVAL, limits.after("approval_within", meeting.done_on),
                             _("支部大会通过后三个月内审批")))
    elif Step.APPROVAL <= last <= Step.FULL_APPLICATION or (
            last == Step.FULL_APPROVAL and Step.FULL_MEETING in allowed_next(steps)):
        ends = probation_end(steps, limits)
        if ends:
            items.append(DueItem("probation", Step.FULL_MEETING, ends, _("预备期满，支部应及时讨论转正")))
    elif last == Step.FULL_MEETING:
        items.append(DueItem("full_approval", Step.FULL_APPROVAL,
                             limits.after("full_approval_within", steps[-1].done_on), _("转正须在三个月内审批")))
    return items


# Reserve-cadre profile -------------------------------------------------------------------------------------------


EDUCATION_RANK = {"primary": 1, "junior": 2, "senior": 3, "college": 4, "bachelor": 5}


def reserve_profile(talent, on: datetime.date):
    """Seed 000 §18: 35岁左右、高中及以上文化程度 — a local profile in ``settings.RESERVE_CADRE_PROFILE``, checked as
    warnings. Returns (age, [warnings])."""
    profile = getattr(settings, "RESERVE_CADRE_PROFILE", {"max_age": 35, "min_education": "senior"})
    warnings = []
    age = age_on(talent.birth_date, on) if talent.birth_date else None
    if age is not None and profile.get("max_age") and age > profile["max_age"]:
        warnings.append(_("年龄%(a)s岁，超过“%(m)s岁左右”的培养条件") % {"a": age, "m": profile["max_age"]})
    minimum = profile.get("min_education")
    if minimum:
        if not talent.education:
            warnings.append(_("学历未登记"))
        elif EDUCATION_RANK.get(talent.education, 0) < EDUCATION_RANK[minimum]:
            warnings.append(_("学历为%(e)s，低于%(m)s") % {"e": Education(talent.education).label,
                                                        "m": Education(minimum).label})
    return age, warnings


# Quota periods ----------------------------------------------------------------------------------------------------


def period_bounds(period, on: datetime.date, anchor_year=2020):
    """The period of a quota rule that contains ``on``: a calendar year, a half-year, a two-year span counted from
    ``anchor_year``, or (point in time) the calendar month, checked at its evaluation date."""
    if period == choices.Period.YEAR:
        return datetime.date(on.year, 1, 1), datetime.date(on.year, 12, 31)
    if period == choices.Period.HALF_YEAR:
        if on.month <= 6:
            return datetime.date(on.year, 1, 1), datetime.date(on.year, 6, 30)
        return datetime.date(on.year, 7, 1), datetime.date(on.year, 12, 31)
    if period == choices.Period.TWO_YEARS:
        first = on.year - (on.year - anchor_year) % 2
        return datetime.date(first, 1, 1), datetime.date(first + 1, 12, 31)
    start = on.replace(day=1)
    return start, add_months(start, 1) - datetime.timedelta(days=1)


def previous_period(period, start: datetime.date, anchor_year=2020):
    return period_bounds(period, start - datetime.timedelta(days=1), anchor_year)


def period_label(period, start, end) -> str:
    if period == choices.Period.YEAR:
        return _("%(y)s年") % {"y": start.year}
    if period == choices.Period.HALF_YEAR:
        return _("%(y)s年上半年") % {"y": start.year} if start.month == 1 else _("%(y)s年下半年") % {"y": start.year}
    if period == choices.Period.TWO_YEARS:
        return _("%(a)s—%(b)s年") % {"a": start.year, "b": end.year}
    return _("%(y)s年%(m)s月") % {"y": start.year, "m": start.month}


def compare(value, comparison, threshold) -> bool:
    if comparison == choices.Comparison.GT:
        return value > threshold
    if comparison == choices.Comparison.LTE:
        return value <= threshold
    return value >= threshold
