"""Workflows: case status history, co-management writes keeping the ledger in step, certificates, transfers."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ledgers.models import PartyMember
from organizations.roles import Role
from services import choices, workflows
from services.models import (
    ActivistInspection,
    DuesPayment,
    LiaisonRecord,
    MemberEvaluation,
    MobileCertificate,
    OrgLifeRecord,
    RelationTransfer,
    ServiceCase,
)
from services.tests.factories import org_life
from zyparty.models import Notice, OutboxMessage

pytestmark = pytest.mark.django_db
D = datetime.date
S = choices.CaseStatus


def member(world, key="a"):
    return PartyMember.objects.get(pk=world.members[key].pk)


# Service cases ---------------------------------------------------------------------------------------------------

class TestServiceCases:
    def open(self, world, **kw):
        kw.setdefault("worker", world.workers["a"])
        kw.setdefault("kind", choices.CaseKind.WAGE_RECOVERY)
        case = ServiceCase(title="讨要工资", channel=choices.CaseChannel.HOTLINE_148, opened_on=D(2025, 4, 1), **kw)
        return workflows.service_case_open(user=world.users[Role.TOWN_CLERK], case=case)

    def test_open_takes_place_and_name_from_the_ledger_and_starts_the_trail(self, world):
        case = self.open(world)
        assert (case.town, case.village, case.county) == (world.town_a, world.village_a, world.county)
        assert case.applicant_name == "张三" and case.handler == world.users[Role.TOWN_CLERK]
        assert [(e.from_status, e.status) for e in case.events.all()] == [("", S.RECEIVED)]

    def test_allowed_transitions_with_history(self, world):
        clerk = world.users[Role.TOWN_CLERK]
        case = self.open(world)
        workflows.service_case_transition(case=case, status=S.IN_PROGRESS, user=clerk, note="联系用工单位")
        workflows.service_case_transition(case=case, status=S.RESOLVED, user=clerk, note="已追回",
                                          amount_recovered=Decimal("12800"))
        case.refresh_from_db()
        assert case.status == S.RESOLVED and case.closed_on is not None
        assert case.amount_recovered == Decimal("12800")
        trail = list(case.events.values_list("from_status", "status", "by__username", "note"))
        assert trail[1:] == [(S.RECEIVED, S.IN_PROGRESS, "clerk_a", "联系用工单位"),
                             (S.IN_PROGRESS, S.RESOLVED, "clerk_a", "已追回")]
        assert all(e.at is not None for e in case.events.all())
        workflows.service_case_transition(case=case, status=S.IN_PROGRESS, user=clerk, note="当事人反映未到账")
        case.refresh_from_db()
        assert case.status == S.IN_PROGRESS and case.closed_on is None

    @pytest.mark.parametrize("path, status, kwargs, field", [
        ([S.CLOSED], S.IN_PROGRESS, {}, "status"),  # a closed case is final
        ([], S.RESOLVED, {}, "amount_recovered"),  # wage recovery resolved without the amount
        ([], S.CLOSED, {}, "note"),  # closing needs a reason
        ([], S.REFERRED, {"note": " "}, "note"),
        ([], "archived", {}, "status"),
    ])
    def test_refused_transitions(self, world, path, status, kwargs, field):
        clerk = world.users[Role.TOWN_CLERK]
        case = self.open(world)
        for step in path:
            workflows.service_case_transition(case=case, status=step, user=clerk, note="不予受理")
        with pytest.raises(ValidationError) as err:
            workflows.service_case_transition(case=case, status=status, user=clerk, **kwargs)
        assert field in err.value.message_dict

    def test_other_town_cannot_move_it(self, world):
        case = self.open(world)
        with pytest.raises(ValidationError):
            workflows.service_case_transition(case=case, status=S.IN_PROGRESS, user=world.clerk_b)

    def test_handler_must_see_the_case_and_is_told(self, world, django_capture_on_commit_callbacks):
        with pytest.raises(ValidationError) as err:
            self.open(world, handler=world.clerk_b)
        assert "handler" in err.value.message_dict
        with django_capture_on_commit_callbacks(execute=True):
            case = workflows.service_case_open(user=world.users[Role.COUNTY_STAFF], case=ServiceCase(
                title="社保转移", kind=choices.CaseKind.SOCIAL_SECURITY, channel=choices.CaseChannel.WINDOW,
                worker=world.workers["a"], handler=world.users[Role.TOWN_CLERK]))
        [notice] = Notice.objects.filter(recipient=world.users[Role.TOWN_CLERK])
        assert notice.kind == choices.NoticeKind.CASE_ASSIGNED and str(case.pk) in notice.link

    def test_amount_recovered_only_for_rights_cases(self, world):
        with pytest.raises(ValidationError) as err:
            self.open(world, kind=choices.CaseKind.LOANS, amount_recovered=Decimal("10"))
        assert "amount_recovered" in err.value.message_dict


# Co-management (seed 003) ----------------------------------------------------------------------------------------

class TestOrgLifeAndDues:
    def test_org_life_moves_last_org_life_on_forward_only(self, world):
        host = world.users[Role.HOST_ORGANIZATION]
        record = workflows.org_life_record_save(user=host, record=OrgLifeRecord(
            member=world.members["a"], held_on=D(2025, 5, 10), kind=choices.OrgLifeKind.THEME_DAY))
        assert record.host_organization == world.host_a  # the co-manager, by default
        assert (record.town, record.village) == (world.town_a, world.village_a)
        assert member(world).last_org_life_on == D(2025, 5, 10)
        workflows.org_life_record_save(user=host, record=OrgLifeRecord(
            member=world.members["a"], held_on=D(2025, 3, 1), kind=choices.OrgLifeKind.PARTY_LESSON))
        assert member(world).last_org_life_on == D(2025, 5, 10)
        workflows.org_life_record_save(user=host, record=OrgLifeRecord(
            member=world.members["a"], held_on=D(2025, 6, 1), kind=choices.OrgLifeKind.PARTY_LESSON, attended=False,
            absence_reason="加班"))
        assert member(world).last_org_life_on == D(2025, 5, 10)  # absent does not count

    def test_deleting_or_moving_the_latest_record_falls_back(self, world):
        host = world.users[Role.HOST_ORGANIZATION]
        early = workflows.org_life_record_save(user=host, record=OrgLifeRecord(
            member=world.members["a"], held_on=D(2025, 3, 1), kind=choices.OrgLifeKind.THEME_DAY))
        late = workflows.org_life_record_save(user=host, record=OrgLifeRecord(
            member=world.members["a"], held_on=D(2025, 5, 10), kind=choices.OrgLifeKind.THEME_DAY))
        late = OrgLifeRecord.objects.get(pk=late.pk)
        late.held_on = D(2025, 4, 1)  # corrected: it was in April
        workflows.org_life_record_save(user=host, record=late)
        assert member(world).last_org_life_on == D(2025, 4, 1)
        workflows.org_life_record_delete(user=host, record=OrgLifeRecord.objects.get(pk=late.pk))
        assert member(world).last_org_life_on == D(2025, 3, 1)
        workflows.org_life_record_delete(user=host, record=early)
        assert member(world).last_org_life_on is None

    def test_host_organization_records_only_for_whom_it_co_manages(self, world):
        host_a = world.users[Role.HOST_ORGANIZATION]
        with pytest.raises(ValidationError) as err:  # 吴九 is co-managed by host B
            workflows.org_life_record_save(user=host_a, record=OrgLifeRecord(
                member=world.members["b"], held_on=D(2025, 5, 10), kind=choices.OrgLifeKind.THEME_DAY,
                host_organization=world.host_a))
        assert "host_organization" in err.value.message_dict
        with pytest.raises(ValidationError):  # defaulting to host B: outside host A's scope
            workflows.org_life_record_save(user=host_a, record=OrgLifeRecord(
                member=world.members["b"], held_on=D(2025, 5, 10), kind=choices.OrgLifeKind.THEME_DAY))
        assert not OrgLifeRecord.objects.exists()
        assert member(world, "b").last_org_life_on is None

    def test_org_life_at_the_outpost_branch(self, world):
        record = workflows.org_life_record_save(user=world.users[Role.OUTPOST_SECRETARY], record=OrgLifeRecord(
            member=world.members["a"], organization=world.outpost_a, held_on=D(2025, 5, 10),
            kind=choices.OrgLifeKind.GENERAL_MEETING))
        assert record.host_organization is None
        with pytest.raises(ValidationError) as err:
            workflows.org_life_record_save(user=None, record=OrgLifeRecord(
                member=world.members["a"], organization=world.org_b, held_on=D(2025, 5, 10),
                kind=choices.OrgLifeKind.GENERAL_MEETING))
        assert "organization" in err.value.message_dict

    def test_dues_at_the_destination(self, world):
        host = world.users[Role.HOST_ORGANIZATION]
        payment = workflows.dues_payment_save(user=host, payment=DuesPayment(
            member=world.members["a"], month=D(2025, 5, 17), amount=Decimal("2.00"), paid_on=D(2025, 5, 20)))
        assert payment.month == D(2025, 5, 1) and payment.host_organization == world.host_a
        assert member(world).last_dues_paid_on == D(2025, 5, 20)
        with pytest.raises(ValidationError) as err:
            workflows.dues_payment_save(user=host, payment=DuesPayment(
                member=world.members["a"], month=D(2025, 5, 1), amount=Decimal("2.00"), paid_on=D(2025, 5, 21)))
        assert "__all__" in err.value.message_dict or "month" in err.value.message_dict  # once per month
        with pytest.raises(ValidationError) as err:
            workflows.dues_payment_save(user=None, payment=DuesPayment(
                member=world.members["a"], month=D(2025, 6, 1), amount=Decimal("0"), paid_on=D(2025, 6, 2),
                place=choices.DuesPlace.HOME, host_organization=world.host_a))
        assert {"amount", "host_organization"} <= set(err.value.message_dict)
        workflows.dues_payment_delete(user=host, payment=payment)
        assert member(world).last_dues_paid_on is None

    def test_evaluation_and_inspection_defaults_and_rules(self, world):
        evaluation = MemberEvaluation(member=world.members["a"], year=2025, rating=choices.EvaluationRating.QUALIFIED,
                                      opinion="按时参加组织生活", evaluated_on=D(2025, 6, 30))
        evaluation.full_clean()
        assert evaluation.host_organization == world.host_a
        wrong = MemberEvaluation(member=world.members["a"], host_organization=world.host_b, year=2025,
                                 rating=choices.EvaluationRating.QUALIFIED, opinion="x", evaluated_on=D(2025, 6, 30))
        with pytest.raises(ValidationError):
            wrong.full_clean()
        inspection = ActivistInspection(activist=world.activists["a"], inspected_on=D(2025, 6, 1), opinion="表现良好",
                                        conclusion=choices.InspectionConclusion.CONTINUE)
        inspection.full_clean()
        assert inspection.host_organization == world.host_a and inspection.town == world.town_a
        home = ActivistInspection(activist=world.activists["a"], organization=world.org_a, inspected_on=D(2025, 6, 1),
                                  opinion="家乡考察", conclusion=choices.InspectionConclusion.RECOMMEND)
        home.full_clean()
        stranger = ActivistInspection(activist=world.activists["a"], organization=world.org_b,
                                      inspected_on=D(2025, 6, 1), opinion="x",
                                      conclusion=choices.InspectionConclusion.RECOMMEND)
        with pytest.raises(ValidationError):
            stranger.full_clean()


def test_liaison_validation(world):
    record = LiaisonRecord(town=world.town_b, organization=world.outpost_a, held_on=D(2025, 3, 1), channel="phone",
                           topics=["employment", "bogus", "employment"], summary="x")
    with pytest.raises(ValidationError) as err:
        record.full_clean()
    assert {"organization", "topics"} <= set(err.value.message_dict)
    record = LiaisonRecord(town=world.town_a, held_on=D(2025, 3, 1), channel="phone", topics=[], summary="x")
    with pytest.raises(ValidationError) as err:
        record.full_clean()
    assert {"host_organization", "topics"} <= set(err.value.message_dict)


# Certificates and transfers ---------------------------------------------------------------------------------------

class TestCertificates:
    def test_issue_notes_the_number_and_one_valid_at_a_time(self, world):
        clerk = world.users[Role.TOWN_CLERK]
        cert = workflows.certificate_issue(user=clerk, certificate=MobileCertificate(
            member=world.members["a"], number="sx-610924-0001", issued_on=D(2025, 2, 1), valid_until=D(2027, 2, 1)))
        assert cert.number == "SX-610924-0001" and cert.town == world.town_a
        assert member(world).certificate_no == "SX-610924-0001"
        with pytest.raises(ValidationError) as err:
            workflows.certificate_issue(user=clerk, certificate=MobileCertificate(
                member=world.members["a"], number="SX-610924-0002", issued_on=D(2025, 3, 1)))
        assert "member" in err.value.message_dict
        workflows.certificate_revoke(user=clerk, certificate=cert, reason="遗失补办")
        assert member(world).certificate_no == ""
        workflows.certificate_issue(user=clerk, certificate=MobileCertificate(
            member=world.members["a"], number="SX-610924-0002", issued_on=D(2025, 3, 1)))
        assert cert.is_valid_on(D(2025, 2, 15)) is True
        cert.refresh_from_db()
        assert cert.is_valid_on(D(2025, 2, 15)) is False  # revoked

    def test_other_town_cannot_issue(self, world):
        with pytest.raises(ValidationError):
            workflows.certificate_issue(user=world.clerk_b, certificate=MobileCertificate(
                member=world.members["a"], number="SX-1", issued_on=D(2025, 2, 1)))


class TestTransfers:
    def request(self, world, django_capture_on_commit_callbacks, **kw):
        with django_capture_on_commit_callbacks(execute=True):
            return workflows.transfer_request(user=world.users[Role.TOWN_CLERK], transfer=RelationTransfer(
                member=world.members["a"], requested_on=D(2025, 8, 1), reason="在杭州稳定就业一年以上", **kw))

    def test_in_county_request_accept_trail_and_ledger(self, world, django_capture_on_commit_callbacks):
        transfer = self.request(world, django_capture_on_commit_callbacks, to_organization=world.org_b)
        assert transfer.from_organization == world.org_a and transfer.to_town == world.town_b
        [notice] = Notice.objects.filter(recipient=world.clerk_b)
        assert notice.kind == choices.NoticeKind.TRANSFER_REQUESTED and "李四" in notice.title
        assert not Notice.objects.filter(recipient=world.users[Role.TOWN_CLERK]).exists()
        with pytest.raises(ValidationError):  # the sending town cannot accept for the receiving one
            workflows.transfer_decide(user=world.users[Role.TOWN_CLERK], transfer=transfer,
                                      status=choices.TransferStatus.ACCEPTED)
        workflows.certificate_issue(user=None, certificate=MobileCertificate(
            member=world.members["a"], number="SX-9", issued_on=D(2025, 2, 1)))
        workflows.transfer_decide(user=world.clerk_b, transfer=transfer, status=choices.TransferStatus.ACCEPTED,
                                  note="同意接收")
        transfer.refresh_from_db()
        assert transfer.status == choices.TransferStatus.ACCEPTED and transfer.decided_on is not None
        assert [(e.status, e.by) for e in transfer.events.all()] == [
            (choices.TransferStatus.REQUESTED, world.users[Role.TOWN_CLERK]),
            (choices.TransferStatus.ACCEPTED, world.clerk_b)]
        moved = member(world)
        assert moved.home_organization == world.org_b and moved.is_mobile is False
        assert MobileCertificate.objects.get(number="SX-9").revoked
        with pytest.raises(ValidationError):
            workflows.transfer_decide(user=world.clerk_b, transfer=transfer, status=choices.TransferStatus.REJECTED,
                                      note="x")

    def test_outside_county_reject_needs_reason_and_one_open_at_a_time(self, world, django_capture_on_commit_callbacks):
        transfer = self.request(world, django_capture_on_commit_callbacks, destination_code="330106",
                                receiving_org_name="杭州市西湖区某社区党委")
        assert Notice.objects.filter(recipient=world.users[Role.COUNTY_STAFF]).exists()
        with pytest.raises(ValidationError):
            self.request(world, django_capture_on_commit_callbacks, destination_code="440306",
                         receiving_org_name="深圳某党支部")
        with pytest.raises(ValidationError) as err:
            workflows.transfer_decide(user=world.users[Role.TOWN_CLERK], transfer=transfer,
                                      status=choices.TransferStatus.REJECTED)
        assert "note" in err.value.message_dict
        workflows.transfer_decide(user=world.users[Role.TOWN_CLERK], transfer=transfer,
                                  status=choices.TransferStatus.REJECTED, note="对方未接收")
        assert member(world).is_mobile is True
        again = self.request(world, django_capture_on_commit_callbacks, destination_code="330106",
                             receiving_org_name="杭州市西湖区某社区党委")
        workflows.transfer_decide(user=world.users[Role.TOWN_CLERK], transfer=again,
                                  status=choices.TransferStatus.CANCELLED)
        assert RelationTransfer.objects.get(pk=again.pk).status == choices.TransferStatus.CANCELLED

    def test_destination_must_be_valid(self, world):
        transfer = RelationTransfer(member=world.members["a"], destination_code="999999", receiving_org_name="x",
                                    requested_on=D(2025, 8, 1))
        with pytest.raises(ValidationError) as err:
            transfer.full_clean()
        assert "destination_code" in err.value.message_dict

    def test_enqueue_is_in_the_same_transaction(self, world):
        """A refused request leaves no outbox row behind."""
        before = OutboxMessage.objects.count()
        with pytest.raises(ValidationError):
            workflows.transfer_request(user=world.clerk_b, transfer=RelationTransfer(
                member=world.members["a"], to_organization=world.org_b, requested_on=D(2025, 8, 1)))
        assert OutboxMessage.objects.count() == before


def test_org_life_factory_helper_is_valid(world):
    record = org_life(world.members["a"], world.host_a)
    record.full_clean()
