"""Writes of the services app that are more than a save, as plain functions (STYLE.md, HackSoft styleguide):
called alike by the API, the admin, pages and tasks. Each validates the record (``full_clean``), checks it lies in the
acting user's scope, and keeps the ledgers in step (a member's last org life and dues dates, certificate number,
organizational relation). Notices to other people are enqueued through the outbox, so they leave only on commit.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ledgers.models import PartyMember
from organizations.roles import Role
from services import choices
from services.models import (
    DuesPayment,
    MobileCertificate,
    OrgLifeRecord,
    RelationTransfer,
    RelationTransferEvent,
    ServiceCase,
    ServiceCaseEvent,
)
from zyparty import jobs, scoping

SCOPE_ERROR = _("不在您的管辖范围内，不能保存到该区划、组织或人员。")


def _check_scope(user, obj, field="__all__"):
    if user is not None and not scoping.permits(user, obj):
        raise ValidationError({field: [SCOPE_ERROR]})


def _validate(obj, exclude=None):
    if hasattr(obj, "derive_place"):
        obj.derive_place()
    obj.full_clean(exclude=exclude)


def _stamp(obj, user):
    if user is not None and getattr(user, "is_authenticated", False):
        if obj._state.adding and not obj.created_by_id:
            obj.created_by = user
        obj.updated_by = user


def _set_member(member_id, **values):
    """Write ledger fields of a member through its model (audited, versioned)."""
    member = PartyMember.objects.select_for_update().get(pk=member_id)
    changed = [name for name, value in values.items() if getattr(member, name) != value]
    for name in changed:
        setattr(member, name, values[name])
    if changed:
        member.save(update_fields=changed)
    return member


# Service cases ----------------------------------------------------------------------------------------------------

def service_case_open(*, user, case: ServiceCase, note="") -> ServiceCase:
    """Take a case in (status 已受理); the handler defaults to the person taking it in, and is told if it is
    someone else."""
    with transaction.atomic():
        case.status = choices.CaseStatus.RECEIVED
        if case.handler_id is None and user is not None and getattr(user, "role", None) != Role.PARTNER:
            case.handler = user
        _validate(case)
        _check_scope(user, case, "town")
        _stamp(case, user)
        case.save()
        ServiceCaseEvent.objects.create(case=case, from_status="", status=case.status, by=_person(user),
                                        note=note or _("受理"))
        if case.handler_id and case.handler_id != getattr(user, "pk", None):
            jobs.enqueue("services.case_assigned", case_id=case.pk)
    return case


def check_case_transition(case: ServiceCase, status, *, note="", amount_recovered=None):
    """Whether ``case`` may move to ``status`` now (choices.CASE_TRANSITIONS); raises ValidationError if not."""
    if status not in choices.CaseStatus.values:
        raise ValidationError({"status": [_("未知的状态。")]})
    current, status = choices.CaseStatus(case.status), choices.CaseStatus(status)
    if status not in choices.CASE_TRANSITIONS[current]:
        raise ValidationError({"status": [_("事项当前为“%(a)s”，不能改为“%(b)s”。") % {
            "a": current.label, "b": status.label}]})
    if amount_recovered is not None and amount_recovered < 0:
        raise ValidationError({"amount_recovered": [_("金额不能为负数。")]})
    recovered = amount_recovered if amount_recovered is not None else case.amount_recovered
    if status == choices.CaseStatus.RESOLVED and case.kind == choices.CaseKind.WAGE_RECOVERY and recovered is None:
        raise ValidationError({"amount_recovered": [_("办结追讨欠薪事项须填写挽回金额（未挽回填0）。")]})
    if status in (choices.CaseStatus.CLOSED, choices.CaseStatus.REFERRED) and not (note or "").strip():
        raise ValidationError({"note": [_("终止或转办须说明原因或转办单位。")]})


def service_case_transition(*, case: ServiceCase, status, user, note="", amount_recovered=None,
                            outcome="") -> ServiceCase:
    """Move a case to its next status (choices.CASE_TRANSITIONS), recording who, when and why."""
    with transaction.atomic():
        case = ServiceCase.objects.select_for_update().get(pk=case.pk)
        _check_scope(user, case)
        current = choices.CaseStatus(case.status)
        check_case_transition(case, status, note=note, amount_recovered=amount_recovered)
        status = choices.CaseStatus(status)
        if amount_recovered is not None:
            case.amount_recovered = amount_recovered
        if outcome:
            case.outcome = outcome
        case.status = status
        case.closed_on = timezone.localdate() if status in (choices.CaseStatus.RESOLVED,
                                                            choices.CaseStatus.CLOSED) else None
        _stamp(case, user)
        case.save(update_fields=["status", "closed_on", "amount_recovered", "outcome", "updated_by"])
        ServiceCaseEvent.objects.create(case=case, from_status=current, status=status, by=_person(user),
                                        note=note[:500])
    return case


def _person(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# Co-management: org life and dues keep the member's ledger dates (seed 003) ---------------------------------------

def _latest(model, member_id, field, **filters):
    return model.objects.filter(member_id=member_id, **filters).aggregate(latest=Max(field))["latest"]


def _advance(member_id, ledger_field, day):
    member = PartyMember.objects.only(ledger_field).get(pk=member_id)
    current = getattr(member, ledger_field)
    if day is not None and (current is None or day > current):
        _set_member(member_id, **{ledger_field: day})


def _recompute(member_id, ledger_field, removed_day, latest):
    """After a record was removed or moved: if the ledger date came from it, fall back to the latest remaining."""
    member = PartyMember.objects.only(ledger_field).get(pk=member_id)
    if getattr(member, ledger_field) == removed_day and latest != removed_day:
        _set_member(member_id, **{ledger_field: latest})


def org_life_record_save(*, user, record: OrgLifeRecord) -> OrgLifeRecord:
    """Record (or correct) a member's org life; the member's ``last_org_life_on`` follows the latest attended."""
    with transaction.atomic():
        before = None if record._state.adding else (record.loaded_values() or {}).get("held_on")
        _validate(record)
        _check_scope(user, record, "member")
        _stamp(record, user)
        record.save()
        if before is not None and before != record.held_on:
            _recompute(record.member_id, "last_org_life_on", before,
                       _latest(OrgLifeRecord, record.member_id, "held_on", attended=True))
        if record.attended:
            _advance(record.member_id, "last_org_life_on", record.held_on)
    return record


def org_life_record_delete(*, user, record: OrgLifeRecord):
    with transaction.atomic():
        _check_scope(user, record)
        member_id, day = record.member_id, record.held_on
        record.delete()
        _recompute(member_id, "last_org_life_on", day, _latest(OrgLifeRecord, member_id, "held_on", attended=True))


def dues_payment_save(*, user, payment: DuesPayment) -> DuesPayment:
    """Record (or correct) a dues payment; the member's ``last_dues_paid_on`` follows the latest payment."""
    with transaction.atomic():
        before = None if payment._state.adding else (payment.loaded_values() or {}).get("paid_on")
        _validate(payment)
        _check_scope(user, payment, "member")
        _stamp(payment, user)
        payment.save()
        if before is not None and before != payment.paid_on:
            _recompute(payment.member_id, "last_dues_paid_on", before,
                       _latest(DuesPayment, payment.member_id, "paid_on"))
        _advance(payment.member_id, "last_dues_paid_on", payment.paid_on)
    return payment


def dues_payment_delete(*, user, payment: DuesPayment):
    with transaction.atomic():
        _check_scope(user, payment)
        member_id, day = payment.member_id, payment.paid_on
        payment.delete()
        _recompute(member_id, "last_dues_paid_on", day, _latest(DuesPayment, member_id, "paid_on"))


# Mobile-member certificates ---------------------------------------------------------------------------------------

def certificate_issue(*, user, certificate: MobileCertificate) -> MobileCertificate:
    """Issue a mobile-member activity certificate (by the town committee) and note its number in the ledger."""
    with transaction.atomic():
        _validate(certificate)
        _check_scope(user, certificate, "member")
        _stamp(certificate, user)
        certificate.save()
        _set_member(certificate.member_id, certificate_no=certificate.number,
                    certificate_issued_on=certificate.issued_on)
    return certificate


def certificate_revoke(*, user, certificate: MobileCertificate, reason: str, on=None) -> MobileCertificate:
    with transaction.atomic():
        certificate = MobileCertificate.objects.select_for_update().get(pk=certificate.pk)
        _check_scope(user, certificate)
        if certificate.revoked:
            raise ValidationError({"revoked": [_("该证已收回。")]})
        if not (reason or "").strip():
            raise ValidationError({"reason": [_("请填写收回原因。")]})
        certificate.revoked, certificate.revoked_on = True, on or timezone.localdate()
        certificate.revoke_reason = reason.strip()[:200]
        _stamp(certificate, user)
        certificate.save(update_fields=["revoked", "revoked_on", "revoke_reason", "updated_by"])
        member = PartyMember.objects.only("certificate_no").get(pk=certificate.member_id)
        if member.certificate_no == certificate.number:
            _set_member(certificate.member_id, certificate_no="", certificate_issued_on=None)
    return certificate


# Transfers of organizational relations ----------------------------------------------------------------------------

def transfer_request(*, user, transfer: RelationTransfer, note="") -> RelationTransfer:
    """Start a transfer (status 已申请); the receiving side is told after commit."""
    with transaction.atomic():
        transfer.status = choices.TransferStatus.REQUESTED
        _validate(transfer)
        _check_scope(user, transfer.member, "member")  # the home side asks; the receiving side decides
        _stamp(transfer, user)
        transfer.save()
        RelationTransferEvent.objects.create(transfer=transfer, from_status="", status=transfer.status,
                                             by=_person(user), note=(note or transfer.reason)[:500])
        jobs.enqueue("services.transfer_requested", transfer_id=transfer.pk)
    return transfer


def check_transfer_decision(transfer: RelationTransfer, status, *, user, note=""):
    """Whether ``user`` may decide ``transfer`` so now; raises ValidationError if not."""
    if status not in choices.TRANSFER_DECISIONS:
        raise ValidationError({"status": [_("只能接收、退回或撤销。")]})
    if transfer.status != choices.TransferStatus.REQUESTED:
        raise ValidationError({"status": [_("该转接已办结（%(s)s），不能再变更。") % {
            "s": transfer.get_status_display()}]})
    if user is not None:
        if status == choices.TransferStatus.CANCELLED or transfer.is_outside_county:
            allowed = scoping.permits(user, transfer.member)
        else:
            allowed = scoping.permits(user, transfer.to_organization)
        if not allowed:
            raise ValidationError({"status": [_("应由接收方党组织所在乡镇办理接收或退回；撤销由转出方办理。")]})
    if status == choices.TransferStatus.REJECTED and not (note or "").strip():
        raise ValidationError({"note": [_("退回须说明原因。")]})


def transfer_decide(*, user, transfer: RelationTransfer, status, note="") -> RelationTransfer:
    """Accept or reject (the receiving side; for a destination outside the county the home side records the other
    county's answer), or cancel (the home side). Accepting moves the member's relation: the member is no longer a
    mobile member and the activity certificate is taken back."""
    with transaction.atomic():
        transfer = RelationTransfer.objects.select_for_update(of=("self",)).select_related(
            "member", "to_organization").get(pk=transfer.pk)
        check_transfer_decision(transfer, status, user=user, note=note)
        previous = transfer.status
        transfer.status, transfer.decided_on = status, timezone.localdate()
        _stamp(transfer, user)
        transfer.save(update_fields=["status", "decided_on", "updated_by"])
        RelationTransferEvent.objects.create(transfer=transfer, from_status=previous, status=status,
                                             by=_person(user), note=note[:500])
        if status == choices.TransferStatus.ACCEPTED:
            values = {"is_mobile": False}
            if transfer.to_organization_id:
                values["home_organization"] = transfer.to_organization
            _set_member(transfer.member_id, **values)
            for certificate in MobileCertificate.objects.filter(member_id=transfer.member_id, revoked=False):
                certificate_revoke(user=None, certificate=certificate, reason=_("组织关系已转接"))
    return transfer
