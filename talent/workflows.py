"""Workflows that write talent records — called alike by the admin, the API, the demo, commands and Celery tasks.

Member development: ``development_case_open``, ``development_step_record`` (and ``development_step_check``, the
same without writing), ``development_step_undo``, ``development_case_transfer``, ``development_case_close``; the
ledgers (activist stage, the new party member) follow each step here, never from a signal.
Talent: ``cultivation_stage_record``, ``talent_sync``. Jobs: ``development_reminders_send``, ``quota_evaluate``.
"""

import datetime
import logging
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from ledgers.choices import ActivistStage, Direction, PoliticalStatus
from ledgers.models import Activist, PartyMember
from organizations.models import CoManagementAgreement, HostPlaceOrganization, PartyOrganization, Unit, User
from organizations.roles import Role
from talent import choices, rules
from talent.choices import Outcome, Step
from talent.models import (
    Appointment,
    CultivationStage,
    DevelopmentCase,
    DevelopmentStep,
    QuotaResult,
    QuotaRule,
    StepParticipant,
    Talent,
)
from zyparty import audit, jobs, quotas, scoping
from zyparty.models import AuditAction

logger = logging.getLogger(__name__)

STEP_FIELDS = ("done_on", "organization", "host_organization", "members_entitled", "members_present", "votes_yes",
               "training_days", "training_hours", "notice_start", "notice_end", "host_notice_start",
               "host_notice_end", "outcome", "extension_months", "expected_leave_on", "exception_reason", "opinion")
EXTRA_FACTS = ("nomination", "consulted_home", "consulted_residence")
DATE_FIELDS = {"done_on", "notice_start", "notice_end", "host_notice_start", "host_notice_end", "expected_leave_on"}


def _date(value):
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(_("日期格式应为 YYYY-MM-DD：%(v)s") % {"v": value})
    return value or None


def _default_committee(organization):
    if organization.kind == "committee":
        return organization
    parent = organization.parent
    while parent is not None:
        if parent.kind == "committee":
            return parent
        parent = parent.parent
    return None


# Member development -------------------------------------------------------------------------------------------


def _check_actor(user, case, step_number, new=None):
    """Who may record which step: within scope; a host-place organization only the inspections of people it
    co-manages (seed 000 §7); an outpost branch never a committee's step."""
    if user is None:
        return
    if not user.has_perm("talent.add_developmentstep"):
        raise PermissionDenied(_("您没有记录发展党员步骤的权限。"))
    if not scoping.permits(user, case):
        raise PermissionDenied(_("该发展案卷不在您的管辖范围内。"))
    if user.role == Role.HOST_ORGANIZATION:
        if step_number not in choices.HOST_STEPS or case.host_organization_id != user.host_organization_id:
            raise PermissionDenied(_("流入地党组织只能为其共管的人员记录考察意见（培养教育考察、继续教育考察）。"))
        if new is not None:
            new.host_organization_id, new.organization = user.host_organization_id, None
    elif user.role in (Role.OUTPOST_SECRETARY, Role.ENTERPRISE_LIAISON, Role.PARTNER) and (
            step_number in choices.COMMITTEE_STEPS):
        raise PermissionDenied(_("“%(s)s”由党委办理，您的角色不能记录。") % {"s": Step(step_number).label})


def _build_step(case, step, facts):
    unknown = sorted(set(facts) - set(STEP_FIELDS) - set(EXTRA_FACTS) - {"participants"})
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown})
    try:
        number = Step(int(step))
    except (TypeError, ValueError):
        raise ValidationError({"step": [_("步骤应为1至25。")]})
    new = DevelopmentStep(case=case, step=number)
    for name in STEP_FIELDS:
        if name in facts:
            value = facts[name]
            if name in DATE_FIELDS:
                value = _date(value)
            elif name in ("organization", "host_organization") and isinstance(value, int):
                model = PartyOrganization if name == "organization" else HostPlaceOrganization
                value = model.objects.filter(pk=value).first()
            elif name in ("training_days", "training_hours") and value is not None:
                value = Decimal(str(value))
            elif name in ("outcome", "exception_reason", "opinion") and value is None:
                value = ""
            setattr(new, name, value)
    if "organization" not in facts and "host_organization" not in facts:
        new.organization = case.committee if number in choices.COMMITTEE_STEPS else case.organization
    new.facts = {name: facts[name] for name in EXTRA_FACTS if name in facts}
    people = []
    for given in facts.get("participants") or []:
        if isinstance(given, StepParticipant):
            person = given
        else:
            member = given.get("member")
            if isinstance(member, int):
                member = PartyMember.objects.filter(pk=member).first()
            person = StepParticipant(role=given.get("role", ""), member=member,
                                     name=(given.get("name") or (member.name if member else "")).strip(),
                                     is_full_member=given.get("is_full_member", True))
        if person.role not in choices.ParticipantRole.values:
            raise ValidationError({"participants": [_("参与人身份应为培养联系人、入党介绍人或谈话人。")]})
        if person.member is not None:
            person.is_full_member = rules.is_full_member(person, new.done_on or timezone.localdate())
        people.append(person)
    new.copy_case_keys(case)
    return new, people


def _context(case, steps, new, people, limits):
    return rules.StepContext(case=case, steps=steps, new=new, participants=people, limits=limits,
                             today=timezone.localdate(), facts=new.facts)


def _steps(case):
    return list(case.steps.order_by("id"))


def development_step_check(*, case, step, user, **facts):
    """Whether the step may be recorded: raises the rule's ValidationError (or PermissionDenied), writes nothing."""
    new, people = _build_step(case, step, facts)
    _check_actor(user, case, new.step, new)
    rules.check_step(_context(case, _steps(case), new, people, rules.Limits.load()))
    return new


def development_step_record(*, case, step, user, **facts) -> DevelopmentStep:
    """Record one of the 25 steps after every rule of ``talent.rules`` for it agreed; update the case's milestones
    and the ledgers (activist stage; on approval the probationary member, on full membership its date)."""
    with transaction.atomic():
        case = DevelopmentCase.objects.select_for_update(of=("self",)).select_related(
            "activist", "organization", "committee", "host_organization").get(pk=case.pk)
        steps = _steps(case)
        limits = rules.Limits.load()
        new, people = _build_step(case, step, facts)
        _check_actor(user, case, new.step, new)
        rules.check_step(_context(case, steps, new, people, limits))
        if new.step == Step.APPROVAL and new.outcome == Outcome.APPROVED and case.worker_id:
            new.facts["previous_political_status"] = case.worker.political_status
        new.save()
        for person in people:
            person.step = new
            person.save()
        steps.append(new)
        _refresh(case, steps, limits)
        _ledgers_follow(case, new, steps, people)
    return new


MILESTONE_FIELDS = ["current_step", "stage", "applied_on", "talked_on", "activist_on", "target_on", "admitted_on",
                    "approved_on", "probation_ends_on", "extension_months", "full_member_on", "status", "closed_on",
                    "close_reason"]


def case_milestones(case, steps, limits):
    """Set the milestones, stage and status of the case from its steps (recording order); writes nothing."""
    def last(number, outcome=None):
        for record in reversed(steps):
            if record.step == number and (outcome is None or record.outcome == outcome):
                return record
        return None

    current = steps[-1].step
    case.current_step, case.stage = current, choices.STEP_STAGE[current]
    case.applied_on = last(Step.APPLICATION).done_on
    case.talked_on = getattr(last(Step.TALK), "done_on", None)
    case.activist_on = getattr(last(Step.ACTIVIST_CONFIRMED), "done_on", None)
    case.target_on = getattr(last(Step.TARGET_CONFIRMED), "done_on", None)
    case.admitted_on = getattr(last(Step.BRANCH_MEETING), "done_on", None)
    case.approved_on = getattr(last(Step.APPROVAL, Outcome.APPROVED), "done_on", None)
    case.probation_ends_on = rules.probation_end(steps, limits) if case.approved_on else None
    case.extension_months = rules.approved_extension(steps) or None
    case.full_member_on = None
    stop_on, stop_reason = None, ""
    meeting = None
    for record in steps:
        if record.step == Step.POLITICAL_REVIEW and record.outcome == Outcome.FAILED:
            stop_on, stop_reason = record.done_on, _("政治审查不合格")
        if record.step == Step.APPROVAL and record.outcome == Outcome.REJECTED:
            stop_on, stop_reason = record.done_on, _("上级党委不批准接收为预备党员")
        if record.step == Step.FULL_MEETING:
            meeting = record
        if record.step == Step.FULL_APPROVAL and record.outcome == Outcome.APPROVED and meeting is not None:
            if meeting.outcome == Outcome.CONVERT:
                case.full_member_on = case.probation_ends_on
            elif meeting.outcome == Outcome.CANCEL:
                stop_on, stop_reason = record.done_on, _("取消预备党员资格")
    if stop_on is not None:
        case.status, case.closed_on, case.close_reason = choices.CaseStatus.STOPPED, stop_on, stop_reason
    elif current == Step.ARCHIVE:
        case.status, case.closed_on, case.close_reason = choices.CaseStatus.COMPLETED, None, ""
    else:
        case.status, case.closed_on, case.close_reason = choices.CaseStatus.OPEN, None, ""
    return case


def _refresh(case, steps, limits):
    case_milestones(case, steps, limits)
    case.save(update_fields=MILESTONE_FIELDS)


def activist_stage(case):
    """The activists' ledger stage that follows from the case."""
    if case.status == choices.CaseStatus.STOPPED:
        return ActivistStage.WITHDRAWN
    if case.full_member_on:
        return ActivistStage.ADMITTED
    if case.approved_on:
        return ActivistStage.PROBATIONARY
    if case.target_on:
        return ActivistStage.TARGET
    if case.activist_on:
        return ActivistStage.ACTIVIST
    return ActivistStage.APPLICANT


def _sync_activist(case, contacts=()):
    """Write the activist's stage, date and cultivation contacts when the case changed them (audited save)."""
    activist = case.activist
    values = {"stage": activist_stage(case), "activist_on": case.activist_on or activist.activist_on}
    if contacts:
        values["cultivation_contacts"] = "、".join(contacts)[:100]
    changed = [name for name, value in values.items() if getattr(activist, name) != value]
    if changed:
        for name in changed:
            setattr(activist, name, values[name])
        activist.save(update_fields=changed)


def _ledgers_follow(case, new, steps, people=()):
    """What the ledgers record when a step is taken: the activist's stage and dates; on approval (⑰) the
    probationary member (入党日期 = the branch meeting's resolution, 细则第三十三条); on approved full membership
    (㉔) the 转正日期 (the day the probation expired); on cancellation the member leaves the ledger."""
    _sync_activist(case, [p.name for p in people if p.role == choices.ParticipantRole.CONTACT])
    worker = case.worker
    if new.step == Step.APPROVAL and new.outcome == Outcome.APPROVED:
        member = _admit(case)
        if worker is not None:
            worker.political_status = PoliticalStatus.PROBATIONARY
            worker.save(update_fields=["political_status"])
        talent = Talent.objects.filter(worker=worker).first() if worker else None
        talent = talent or Talent.objects.filter(member=member).first()
        if talent is not None:
            if talent.member_id is None:
                talent.member = member
                talent.save(update_fields=["member"])
            talent_sync(talent=talent)
    if new.step == Step.FULL_APPROVAL and new.outcome == Outcome.APPROVED and case.member_id:
        meeting = next(s for s in reversed(steps) if s.step == Step.FULL_MEETING)
        if meeting.outcome == Outcome.CONVERT:
            member = case.member
            member.full_member_on = case.full_member_on
            member.save(update_fields=["full_member_on", "category"])
            if worker is not None:
                worker.political_status = PoliticalStatus.MEMBER
                worker.save(update_fields=["political_status"])
        elif meeting.outcome == Outcome.CANCEL:
            member = case.member
            try:
                with transaction.atomic():
                    member.delete()
            except ProtectedError:
                raise ValidationError(_("该预备党员仍被其他记录引用，不能从党员台账中移除；请先处理相关记录。"))
            if worker is not None:
                approval = next(s for s in steps if s.step == Step.APPROVAL and s.outcome == Outcome.APPROVED)
                worker.political_status = approval.facts.get("previous_political_status", "")
                worker.save(update_fields=["political_status"])


def _admit(case) -> PartyMember:
    """The probationary member in the members' ledger: created, or the existing record (same ID) updated."""
    activist, worker = case.activist, case.worker
    member = PartyMember.objects.filter(id_digest=activist.id_digest).first()
    if member is None:
        member = PartyMember(id_number=activist.id_number, name=activist.name, phone=activist.phone,
                             ethnicity=activist.ethnicity)
    member.town_id, member.village_id = activist.town_id, activist.village_id
    member.joined_on, member.full_member_on = case.admitted_on, None
    member.home_organization = case.organization
    member.activity_organization = case.cultivating_organization or member.activity_organization
    member.co_manager = case.host_organization or member.co_manager
    member.is_mobile = case.is_mobile
    if worker is not None:
        if not PartyMember.objects.filter(worker=worker).exclude(pk=member.pk).exists():
            member.worker = worker
        if worker.direction == Direction.OUTGOING:
            member.destination_code = member.destination_code or worker.destination_code
            member.out_since = member.out_since or worker.left_on
    member.clean()
    member.save()
    case.member = member
    case.save(update_fields=["member"])
    return member


def _prepare_open(*, user, applied_on, organization, activist, worker, committee, cultivating_organization,
                  host_organization, is_mobile, notes):
    """Validate an application and build the unsaved case (and the activist record to create, if any)."""
    if activist is None and worker is None:
        raise ValidationError({"activist": [_("请选择入党积极分子台账或农民工台账中的申请人。")]})
    if organization is None:
        raise ValidationError({"organization": [_("请选择受理入党申请的户籍地党组织。")]})
    if applied_on is None:
        raise ValidationError({"applied_on": [_("请填写申请入党日期。")]})
    if applied_on > timezone.localdate():
        raise ValidationError({"applied_on": [_("申请入党日期不能晚于今天。")]})
    if user is not None and not user.has_perm("talent.add_developmentcase"):
        raise PermissionDenied(_("您没有受理入党申请的权限。"))
    rules.applicant_age_check((activist or worker).birth_date, applied_on, rules.Limits.load())
    new_activist = None
    if activist is None:
        activist = Activist.objects.filter(id_digest=worker.id_digest).first()
    if activist is None:
        new_activist = activist = Activist(
            id_number=worker.id_number, name=worker.name, phone=worker.phone, ethnicity=worker.ethnicity,
            county_id=worker.county_id, town_id=worker.town_id, village_id=worker.village_id, worker=worker,
            applied_on=applied_on, home_organization=organization, cultivating_organization=cultivating_organization,
            co_manager=host_organization, stage=ActivistStage.APPLICANT)
        activist.clean()
    elif DevelopmentCase.objects.filter(activist=activist, status=choices.CaseStatus.OPEN).exists():
        raise ValidationError({"activist": [_("%(n)s 已有进行中的发展党员案卷。") % {"n": activist.name}]})
    worker = worker or activist.worker
    if is_mobile is None:
        is_mobile = bool(host_organization or activist.co_manager_id or (
            worker is not None and worker.direction == Direction.OUTGOING))
    case = DevelopmentCase(activist=activist, worker=worker, organization=organization,
                           committee=committee or _default_committee(organization),
                           cultivating_organization=cultivating_organization, host_organization=host_organization,
                           is_mobile=is_mobile, applied_on=applied_on, notes=notes or "")
    case.copy_person()
    if user is not None and not scoping.permits(user, case):
        raise PermissionDenied(_("申请人或受理党组织不在您的管辖范围内。"))
    return case, new_activist


def development_case_open_check(*, user, applied_on, organization, activist=None, worker=None, committee=None,
                                cultivating_organization=None, host_organization=None, is_mobile=None, notes=""):
    """Whether the application may be taken in: raises as ``development_case_open`` would, writes nothing."""
    case, _new = _prepare_open(user=user, applied_on=_date(applied_on), organization=organization, activist=activist,
                               worker=worker, committee=committee, cultivating_organization=cultivating_organization,
                               host_organization=host_organization, is_mobile=is_mobile, notes=notes)
    return case


def development_case_open(*, user, applied_on, organization, activist=None, worker=None, committee=None,
                          cultivating_organization=None, host_organization=None, is_mobile=None, notes="",
                          opinion="") -> DevelopmentCase:
    """Take an application in (步骤①, 原籍吸纳 — seed 000 §7): the case, its first step, and the activists' ledger
    record (created from the worker's when the applicant is only in the workers' ledger)."""
    applied_on = _date(applied_on)
    with transaction.atomic():
        case, new_activist = _prepare_open(
            user=user, applied_on=applied_on, organization=organization, activist=activist, worker=worker,
            committee=committee, cultivating_organization=cultivating_organization,
            host_organization=host_organization, is_mobile=is_mobile, notes=notes)
        activist = case.activist
        if new_activist is not None:
            activist.save()
            case.activist = activist
        case.save()
        development_step_record(case=case, step=Step.APPLICATION, user=None, done_on=applied_on,
                                organization=organization, opinion=opinion)
        changed = []
        if activist.applied_on != applied_on:
            activist.applied_on = applied_on
            changed.append("applied_on")
        for field, value in (("home_organization", organization),
                             ("cultivating_organization", cultivating_organization),
                             ("co_manager", host_organization)):
            if value is not None and getattr(activist, f"{field}_id") is None:
                setattr(activist, field, value)
                changed.append(field)
        if activist.worker_id is None and case.worker_id is not None:
            activist.worker = case.worker
            changed.append("worker")
        if changed:
            activist.save(update_fields=changed)
        case.refresh_from_db()
    return case


def development_step_undo(*, step, user, reason) -> DevelopmentCase:
    """Remove the last recorded step of a case (a correction, audited with its reason). ① is never removed (close
    the case instead), nor an approval that already wrote the members' ledger (correct the ledger instead)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("撤销步骤须说明理由。")]})
    with transaction.atomic():
        case = DevelopmentCase.objects.select_for_update().select_related("activist").get(pk=step.case_id)
        if user is not None and (not user.has_perm("talent.undo_developmentstep") or not scoping.permits(user, case)):
            raise PermissionDenied(_("您没有撤销该步骤的权限。"))
        steps = _steps(case)
        if steps[-1].pk != step.pk:
            raise ValidationError({"step": [_("只能撤销最后记录的步骤。")]})
        stopped_by_it = (step.step == Step.POLITICAL_REVIEW and step.outcome == Outcome.FAILED) or (
            step.step == Step.APPROVAL and step.outcome == Outcome.REJECTED)
        if case.status == choices.CaseStatus.STOPPED and not stopped_by_it:
            raise ValidationError({"step": [_("案卷已终止，不能撤销步骤。")]})
        if step.step == Step.APPLICATION:
            raise ValidationError({"step": [_("不能撤销入党申请；如需终止，请终止案卷。")]})
        if step.step in (Step.APPROVAL, Step.FULL_APPROVAL) and step.outcome == Outcome.APPROVED:
            raise ValidationError({"step": [_("已写入党员台账的审批不能撤销，请在党员台账中更正后由县委组织部处理。")]})

        audit.record(AuditAction.DELETE, step, detail=_("撤销发展步骤：%(r)s") % {"r": reason})
        step.delete()
        steps = steps[:-1]
        _refresh(case, steps, rules.Limits.load())
        _sync_activist(case)
    return case


def development_case_transfer(*, case, user, organization=None, committee=None, cultivating_organization=None,
                              host_organization=None, clear_host=False) -> DevelopmentCase:
    """The person moved: the materials move with them and the time served counts on (发展党员工作细则第十二条) —
    the steps stay, the organizations change."""
    with transaction.atomic():
        case = DevelopmentCase.objects.select_for_update().get(pk=case.pk)
        if user is not None and (not user.has_perm("talent.change_developmentcase") or not scoping.permits(user, case)):
            raise PermissionDenied(_("您没有变更该案卷的权限。"))
        if case.status != choices.CaseStatus.OPEN:
            raise ValidationError(_("该案卷已结束，不能转接。"))
        if organization is not None:
            case.organization = organization
            case.committee = committee or _default_committee(organization)
        elif committee is not None:
            case.committee = committee
        if cultivating_organization is not None:
            case.cultivating_organization = cultivating_organization
        if host_organization is not None or clear_host:
            case.host_organization = host_organization
        if user is not None and not scoping.permits(user, case):
            raise PermissionDenied(_("转接后的组织不在您的管辖范围内。"))
        case.save()
        DevelopmentStep.objects.filter(case=case).update(
            scope_organization=case.organization, scope_cultivator=case.cultivating_organization,
            scope_host=case.host_organization)
        activist = case.activist
        activist.home_organization, activist.co_manager = case.organization, case.host_organization
        activist.cultivating_organization = case.cultivating_organization or activist.cultivating_organization
        activist.save(update_fields=["home_organization", "co_manager", "cultivating_organization"])
    return case


def development_case_close(*, case, user, reason, on=None) -> DevelopmentCase:
    """Stop a case that will not go on (withdrawn application, moved away for good, not qualified). A probationary
    member's case ends only through the full-membership meeting (㉓, 取消预备党员资格)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("终止案卷须说明原因。")]})
    with transaction.atomic():
        case = DevelopmentCase.objects.select_for_update().select_related("activist").get(pk=case.pk)
        if user is not None and (not user.has_perm("talent.change_developmentcase") or not scoping.permits(user, case)):
            raise PermissionDenied(_("您没有终止该案卷的权限。"))
        if case.status != choices.CaseStatus.OPEN:
            raise ValidationError(_("该案卷已结束。"))
        if case.approved_on:
            raise ValidationError(_("已接收为预备党员，只能由支部大会讨论取消预备党员资格（步骤㉓）。"))
        case.status, case.closed_on = choices.CaseStatus.STOPPED, _date(on) or timezone.localdate()
        case.close_reason = reason.strip()[:200]
        case.save(update_fields=["status", "closed_on", "close_reason"])
        _sync_activist(case)
    return case


# Talent pipeline -------------------------------------------------------------------------------------------------


def cultivation_stage_record(*, talent, stage, reached_on, user=None, note="") -> CultivationStage:
    """Record that a talent reached a stage of "one attract, four cultivate" (seed 000 §17); the earliest date of
    a stage is kept, and the talent's current stage is the furthest reached."""
    if stage not in choices.STAGE_ORDER:
        raise ValidationError({"stage": [_("未知的培养阶段。")]})
    reached_on = _date(reached_on)
    if user is not None and not scoping.permits(user, talent):
        raise PermissionDenied(_("该人员不在您的管辖范围内。"))
    record = CultivationStage.objects.filter(talent=talent, stage=stage).first()
    if record is None:
        record = CultivationStage(talent=talent, stage=stage, reached_on=reached_on, note=note)
        record.save()
    elif reached_on < record.reached_on:
        record.reached_on = reached_on
        record.save(update_fields=["reached_on"])
    _refresh_talent_stage(talent)
    return record


def _refresh_talent_stage(talent):
    reached = set(CultivationStage.objects.filter(talent=talent).values_list("stage", flat=True))
    furthest = max((choices.STAGE_ORDER.index(s) for s in reached), default=0)
    stage = choices.STAGE_ORDER[furthest]
    if talent.stage != stage:
        talent.stage = stage
        talent.save(update_fields=["stage"])


def talent_sync(*, talent) -> Talent:
    """Stages that follow from the records: attracted when entered in the pool, member from the members' ledger,
    village cadre from a two-committee appointment."""
    if not CultivationStage.objects.filter(talent=talent, stage=choices.CultivationStageKind.ATTRACTED).exists():
        entered = timezone.localdate(talent.created_at) if talent.created_at else timezone.localdate()
        cultivation_stage_record(talent=talent, stage=choices.CultivationStageKind.ATTRACTED,
                                 reached_on=talent.returned_on or entered)
    if talent.member_id and talent.member.joined_on:
        cultivation_stage_record(talent=talent, stage=choices.CultivationStageKind.MEMBER,
                                 reached_on=talent.member.joined_on)
    cadre = Appointment.objects.filter(talent=talent, kind__in=choices.CADRE_APPOINTMENTS).order_by("start_on").first()
    if cadre is not None:
        cultivation_stage_record(talent=talent, stage=choices.CultivationStageKind.VILLAGE_CADRE,
                                 reached_on=cadre.start_on)
    _refresh_talent_stage(talent)
    return talent


# Reminders --------------------------------------------------------------------------------------------------------


def development_reminders_send(*, on=None) -> int:
    """Notify the clerks of each case's town of the deadlines falling due within the reminder lead (a TimeLimit),
    overdue ones included; once per case × deadline (dedup key)."""
    on = _date(on) or timezone.localdate()
    limits = rules.Limits.load()
    horizon = on + datetime.timedelta(days=limits.value("reminder_lead"))
    clerks = defaultdict(list)
    for user in User.objects.filter(role=Role.TOWN_CLERK, is_active=True, unit__isnull=False):
        clerks[user.unit_id].append(user)
    cases = DevelopmentCase.objects.filter(status=choices.CaseStatus.OPEN).prefetch_related(
        Prefetch("steps", queryset=DevelopmentStep.objects.order_by("id")))
    sent = 0
    for case in cases.iterator(chunk_size=500):
        for item in rules.due_items(case, list(case.steps.all()), limits):
            if item.due_on > horizon:
                continue
            overdue = item.due_on < on
            title = (_("【发展党员逾期】%(n)s：%(l)s（应于%(d)s前）") if overdue
                     else _("【发展党员提醒】%(n)s：%(l)s（%(d)s前）")) % {
                "n": case.name, "l": item.label, "d": f"{item.due_on:%Y-%m-%d}"}
            body = _("案卷当前步骤：%(s)s。下一步：%(n)s。") % {"s": case.get_current_step_display(),
                                                         "n": Step(item.step).label}
            for clerk in clerks.get(case.town_id, []):
                sent += jobs.notify(recipient=clerk, kind="talent.development_due", title=title, body=body,
                                    link=f"/admin/talent/developmentcase/{case.pk}/change/",
                                    dedup_key=f"talent:due:{case.pk}:{item.code}:{item.due_on:%Y%m%d}") is not None
    return sent


# Quotas -----------------------------------------------------------------------------------------------------------


def _subjects(kind, start, end):
    if kind in ("county", "town", "village"):
        return list(Unit.objects.filter(level=kind, is_active=True).select_related("parent").order_by("code"))
    if kind in ("organization", "outpost"):
        orgs = PartyOrganization.objects.filter(is_active=True).select_related("home_unit")
        return list(orgs.filter(is_outpost=True) if kind == "outpost" else orgs)
    agreements = CoManagementAgreement.objects.filter(signed_on__lte=end).exclude(valid_until__lt=start)
    return list(agreements.select_related("town", "host_organization"))


def _keys(kind, subject):
    if kind == "county":
        return {"county_id": subject.pk, "subject_label": subject.name}
    if kind == "town":
        return {"county_id": subject.county_id, "town_id": subject.pk, "subject_label": subject.name}
    if kind == "village":
        label = f"{subject.parent.name}{subject.name}" if subject.parent_id else subject.name
        return {"county_id": subject.county_id, "town_id": subject.town_id, "village_id": subject.pk,
                "subject_label": label}
    if kind in ("organization", "outpost"):
        village = subject.home_unit_id if subject.home_unit.level == "village" else None
        return {"county_id": subject.county_id, "town_id": subject.town_id, "village_id": village,
                "organization_id": subject.pk, "subject_label": subject.name}
    return {"county_id": subject.county_id, "town_id": subject.town_id, "organization_id": subject.organization_id,
            "host_organization_id": subject.host_organization_id,
            "subject_label": f"{subject.town.name} — {subject.host_organization.name}"}


RESULT_FIELDS = ["subject_label", "county_id", "town_id", "village_id", "organization_id", "host_organization_id",
                 "period_end", "value", "threshold", "comparison", "status", "evidence", "message", "evaluated_at"]


def _store(rule, subjects, measures, start, end, now):
    """Upsert one result per subject the metric applies to (unique per rule × subject × period); drop the results
    of subjects it no longer applies to. Returns the stored results."""
    existing = {r.subject_id: r for r in QuotaResult.objects.filter(rule=rule, subject_kind=rule.subject,
                                                                    period_start=start)}
    create, update = [], []
    for subject in subjects:
        measure = measures.get(subject.pk)
        if measure is None:
            continue
        value = Decimal(str(measure.value))
        met = rules.compare(value, rule.comparison, rule.threshold)
        fields = dict.fromkeys(["county_id", "town_id", "village_id", "organization_id", "host_organization_id"])
        fields.update(_keys(rule.subject, subject))
        fields.update(period_end=end, value=value, threshold=rule.threshold, comparison=rule.comparison,
                      status=choices.ResultStatus.MET if met else choices.ResultStatus.SHORT,
                      evidence=[[label, pk] for label, pk in measure.evidence], message="", evaluated_at=now)
        fields["subject_label"] = fields["subject_label"][:200]
        result = existing.pop(subject.pk, None)
        if result is None:
            create.append(QuotaResult(rule=rule, subject_kind=rule.subject, subject_id=subject.pk,
                                      period_start=start, **fields))
        else:
            for name, value_ in fields.items():
                setattr(result, name, value_)
            update.append(result)
    if existing:
        QuotaResult.objects.filter(pk__in=[r.pk for r in existing.values()]).delete()
    QuotaResult.objects.bulk_create(create, batch_size=500)
    QuotaResult.objects.bulk_update(update, RESULT_FIELDS, batch_size=500)
    return create + update


class _Recipients:
    """Who answers for a subject's shortfall: village → its liaison and the town clerk; town, agreement,
    organization → the town clerk (an outpost also its secretary); county → county staff. Loaded once."""

    def __init__(self):
        self.by_unit, self.by_org = defaultdict(list), defaultdict(list)
        roles = (Role.TOWN_CLERK, Role.VILLAGE_LIAISON, Role.COUNTY_STAFF, Role.OUTPOST_SECRETARY)
        for user in User.objects.filter(is_active=True, role__in=roles):
            if user.role == Role.OUTPOST_SECRETARY:
                if user.organization_id:
                    self.by_org[user.organization_id].append(user)
            elif user.unit_id:
                self.by_unit[(user.role, user.unit_id)].append(user)

    def __call__(self, result):
        people = []
        if result.subject_kind == "county":
            people += self.by_unit[(Role.COUNTY_STAFF, result.county_id)]
        if result.subject_kind == "village":
            people += self.by_unit[(Role.VILLAGE_LIAISON, result.village_id)]
        if result.subject_kind != "county" and result.town_id:
            people += self.by_unit[(Role.TOWN_CLERK, result.town_id)]
        if result.subject_kind in ("outpost", "organization") and result.organization_id:
            people += self.by_org[result.organization_id]
        return people


def _notify_shortfalls(rule, results, start, end, on, limits, recipients):
    """Once per rule × subject × period: when the period is over (final), and once before, when its end is
    within the warning lead (a TimeLimit)."""
    final = end < on
    warn = not final and (end - on).days <= limits.value("quota_warning_lead")
    if not (final or warn):
        return 0
    label = rules.period_label(rule.period, start, end)
    sent, notified = 0, []
    for result in results:
        if result.status != choices.ResultStatus.SHORT:
            continue
        title = (_("【配额未达标】%(r)s：%(s)s（%(p)s）") if final else _("【配额预警】%(r)s：%(s)s（%(p)s，即将到期）")) % {
            "r": rule.name, "s": result.subject_label, "p": label}
        body = _("实际 %(v)s，标准 %(t)s。依据：%(src)s") % {"v": result.value_display, "t": rule.threshold_display,
                                                      "src": rule.source}
        for user in recipients(result):
            notice = jobs.notify(recipient=user, kind="talent.quota_short", title=title, body=body,
                                 link=f"/talent/compliance/result/{result.pk}/",
                                 dedup_key=f"quota:{rule.code}:{result.subject_kind}:{result.subject_id}:"
                                           f"{start:%Y%m%d}:{'final' if final else 'warn'}")
            sent += notice is not None
        notified.append(result.pk)
    if notified:
        QuotaResult.objects.filter(pk__in=notified, notified_at__isnull=True).update(notified_at=timezone.now())
    return sent


def quota_evaluate(*, on=None, rule_codes=None, job_id=None, notify=True) -> dict:
    """Evaluate every active quota rule for every subject and for the current and the previous period into stored
    results; notify the responsible people of shortfalls. One grouped metric query per rule and period. A metric
    that is not registered (its app not installed yet) gives a "指标不可用" report, never an error."""
    on = _date(on) or timezone.localdate()
    rule_list = QuotaRule.objects.filter(active=True)
    if rule_codes:
        rule_list = rule_list.filter(code__in=rule_codes)
    plan = []
    for rule in rule_list:
        current = rules.period_bounds(rule.period, on, rule.anchor_year)
        periods = [current]
        if rule.period != choices.Period.POINT_IN_TIME:
            periods.append(rules.previous_period(rule.period, current[0], rule.anchor_year))
        plan.append((rule, periods))
    total = sum(len(periods) for _rule, periods in plan)
    if job_id:
        jobs.job_progress(job_id, 0, total=total, message=_("开始评估 %(n)s 条规则") % {"n": len(plan)})
    registry = quotas.metrics()
    limits = rules.Limits.load()
    recipients = _Recipients() if notify else None
    subjects_cache = {}
    report, done, counts = [], 0, {"met": 0, "short": 0, "unavailable": 0, "error": 0, "notices": 0}
    now = timezone.now()
    for rule, periods in plan:
        metric = registry.get(rule.metric)
        status, message = "ok", ""
        if metric is None:
            status, message = "unavailable", _("指标“%(m)s”尚未注册（提供该指标的功能模块未启用），本规则暂不评估。") % {
                "m": rule.metric}
        elif metric.subject != rule.subject:
            status, message = "unavailable", _("指标“%(m)s”的考核对象（%(a)s）与规则（%(b)s）不一致。") % {
                "m": rule.metric, "a": metric.subject, "b": rule.subject}
        if status == "ok":
            for start, end in periods:
                key = (rule.subject, start, end) if rule.subject == "agreement" else rule.subject
                if key not in subjects_cache:
                    subjects_cache[key] = _subjects(rule.subject, start, end)
                subjects = subjects_cache[key]
                try:
                    with transaction.atomic():
                        stored = _store(rule, subjects, metric.function(subjects, start, end) or {}, start, end, now)
                        if notify:
                            counts["notices"] += _notify_shortfalls(rule, stored, start, end, on, limits, recipients)
                except Exception as exc:  # another app's metric failing must not stop the other rules
                    logger.exception("quota metric %s failed", rule.metric)
                    status, message = "error", _("评估出错：%(e)s") % {"e": type(exc).__name__}
                    break
                for result in stored:
                    counts["met" if result.status == choices.ResultStatus.MET else "short"] += 1
                done += 1
                if job_id:
                    jobs.job_progress(job_id, done, message=_("已评估：%(r)s") % {"r": rule.name})
        if status != "ok":
            counts["unavailable" if status == "unavailable" else "error"] += 1
            done = min(total, done + len(periods))
            if job_id:
                jobs.job_progress(job_id, done, message=message)
        QuotaRule.objects.filter(pk=rule.pk).update(last_evaluated_at=now, last_status=status,
                                                    last_message=message[:300])
        report.append({"rule": rule.code, "status": status, "message": message})
    return {"on": on.isoformat(), "rules": report, **counts}
