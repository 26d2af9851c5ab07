"""Services records for tests, on top of tests.factories.World."""

import datetime
from decimal import Decimal

from organizations.models import CoManagementAgreement
from organizations.roles import Role
from services import choices
from services.models import (
    LiaisonRecord,
    OrgLifeRecord,
    ServiceCase,
    Training,
    TrainingAttendee,
)
from tests.factories import user


def agreement(town, host, signed_on=datetime.date(2020, 6, 1), **kw):
    return CoManagementAgreement.objects.create(town=town, host_organization=host, signed_on=signed_on,
                                                annual_funding=Decimal("10000"), **kw)


def liaison(town, host=None, held_on=datetime.date(2025, 3, 1), organization=None, **kw):
    kw.setdefault("channel", choices.LiaisonChannel.PHONE)
    kw.setdefault("topics", [choices.LiaisonTopic.EMPLOYMENT])
    kw.setdefault("summary", "就农民工就业和维权情况交换意见")
    return LiaisonRecord.objects.create(town=town, host_organization=host, organization=organization,
                                        held_on=held_on, **kw)


def training(county=None, town=None, held_on=datetime.date(2025, 5, 10), kind=choices.TrainingKind.OUTPOST_SECRETARY,
             **kw):
    kw.setdefault("title", "驻外党组织书记培训班")
    return Training.objects.create(county=county or town.county, town=town, held_on=held_on, kind=kind, **kw)


def secretary_trained(training_, organization, name="王书记"):
    return TrainingAttendee.objects.create(training=training_, organization=organization, name=name)


def case(town, village=None, **kw):
    kw.setdefault("title", "讨要工资")
    kw.setdefault("kind", choices.CaseKind.WAGE_RECOVERY)
    kw.setdefault("channel", choices.CaseChannel.HOTLINE_148)
    kw.setdefault("applicant_name", "张三")
    kw.setdefault("opened_on", datetime.date(2025, 4, 1))
    return ServiceCase.objects.create(town=town, village=village, **kw)


def org_life(member, host, held_on=datetime.date(2025, 5, 1), **kw):
    kw.setdefault("kind", choices.OrgLifeKind.THEME_DAY)
    return OrgLifeRecord.objects.create(member=member, host_organization=host, held_on=held_on, **kw)


def more_users(world):
    """A liaison for each village and the second town's clerk (World has clerk_b), for scoping tests."""
    world.liaison_a2 = user("liaison_a2", Role.VILLAGE_LIAISON, unit=world.village_a2)
    world.liaison_b = user("liaison_b", Role.VILLAGE_LIAISON, unit=world.village_b)
    world.host_b_user = user("host_b", Role.HOST_ORGANIZATION, host_organization=world.host_b)
    return world


def everything(world):
    """Two or more records of every services model, in both towns (for list, query-count and scoping tests)."""
    from decimal import Decimal as Dec

    from services.models import (
        ActivistInspection,
        DuesPayment,
        EmploymentAgreement,
        Funding,
        JobFair,
        MemberEvaluation,
        MobileCertificate,
        OutreachCampaign,
        RelationTransfer,
        RelationTransferEvent,
        ServiceCaseEvent,
        VideoLesson,
    )

    d = datetime.date
    made = {}
    for key, town, village, host in (("a", world.town_a, world.village_a, world.host_a),
                                     ("b", world.town_b, world.village_b, world.host_b)):
        member_, activist_, worker_ = world.members[key], world.activists[key], world.workers[key]
        liaison(town, host, held_on=d(2025, 3, 1))
        liaison(town, host, held_on=d(2025, 9, 1), channel=choices.LiaisonChannel.VIDEO)
        for i in range(2):
            c = case(town, village, worker=worker_, title=f"讨薪{i}")
            ServiceCaseEvent.objects.create(case=c, status=choices.CaseStatus.RECEIVED, note="受理")
        t = training(town=town, held_on=d(2025, 4, 1), kind=choices.TrainingKind.ECOMMERCE, title="电子商务培训")
        training(town=town, held_on=d(2025, 6, 1), kind=choices.TrainingKind.TEA_FARMER, title="职业茶农培训")
        TrainingAttendee.objects.create(training=t, worker=worker_)
        TrainingAttendee.objects.create(training=t, member=member_)
        fair = JobFair.objects.create(title="春风招聘会", held_on=d(2025, 2, 20), town=town, positions_offered=300)
        JobFair.objects.create(title="返乡招聘会", held_on=d(2025, 9, 20), town=town)
        enterprise = world.enterprise_a if key == "a" else world.enterprise_b
        for i in range(2):
            EmploymentAgreement.objects.create(enterprise=enterprise, town=town, village=village, job_fair=fair,
                                               signed_on=d(2025, 2, 20 + i), positions=50, workers_placed=10)
            OutreachCampaign.objects.create(festival=choices.Festival.SPRING, year=2025 + i, title="春节走访",
                                            town=town, village=village, held_from=d(2025, 1, 20),
                                            activities=["talk", "visit"], people_reached=120)
            lesson = VideoLesson.objects.create(title="党课开讲啦", held_on=d(2025, 7, 1 + i), town=town,
                                                attendance_count=30)
            lesson.attendees.add(member_)
            Funding.objects.create(organization=world.org_a if key == "a" else world.org_b, year=2024 + i,
                                   amount=Dec("10000"), source=choices.FundingSource.RETAINED_DUES)
            org_life(member_, host, held_on=d(2025, 4 + i, 1))
            DuesPayment.objects.create(member=member_, month=d(2025, 4 + i, 1), amount=Dec("2.00"),
                                       paid_on=d(2025, 4 + i, 5), host_organization=host)
            MemberEvaluation.objects.create(member=member_, host_organization=host, year=2025, half=1 + i,
                                            rating=choices.EvaluationRating.QUALIFIED, opinion="表现良好",
                                            evaluated_on=d(2025, 6 + 6 * i, 30 if i == 0 else 20))
            ActivistInspection.objects.create(activist=activist_, host_organization=host if key == "a" else None,
                                              organization=None if key == "a" else world.org_b,
                                              inspected_on=d(2025, 5 + i, 1), opinion="积极",
                                              conclusion=choices.InspectionConclusion.CONTINUE)
            MobileCertificate.objects.create(member=member_, number=f"SX-{key}-{i}", issued_on=d(2024 + i, 1, 1),
                                             revoked=i == 0)
            transfer = RelationTransfer.objects.create(
                member=member_, destination_code="330106", receiving_org_name="杭州某党支部",
                requested_on=d(2025, 1 + i, 1),
                status=choices.TransferStatus.REJECTED if i == 0 else choices.TransferStatus.REQUESTED)
            RelationTransferEvent.objects.create(transfer=transfer, status=choices.TransferStatus.REQUESTED)
        made[key] = True
    return made
