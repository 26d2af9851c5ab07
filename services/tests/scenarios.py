"""Access-matrix scenarios for the services models (tests/matrix.py): one record per model at a Place, linked to that
place through every foreign key the model's ``scope_paths`` names (town, village, organization, host-place
organization, enterprise), so each role is checked against each of its grants."""

import datetime
import itertools
from decimal import Decimal

from services import choices
from services.models import (
    ActivistInspection,
    DuesPayment,
    EmploymentAgreement,
    Funding,
    JobFair,
    LiaisonRecord,
    MemberEvaluation,
    MobileCertificate,
    OrgLifeRecord,
    OutreachCampaign,
    RelationTransfer,
    ServiceCase,
    Training,
    TrainingAttendee,
    VideoLesson,
)
from tests import factories
from tests.matrix import scenario

_serial = itertools.count(1)
D = datetime.date


def _n():
    return next(_serial)


def _member(place):
    return factories.member(place.town, place.village, place.organization, name=f"矩阵党员{_n()}",
                            activity_organization=place.organization, co_manager=place.host_organization)


def _outpost(place):
    return place.organization if place.organization.is_outpost else None


@scenario("services.LiaisonRecord")
def _liaison(place):
    return LiaisonRecord.objects.create(
        town=place.town, host_organization=place.host_organization, organization=_outpost(place),
        held_on=D(2025, 3, _n() % 28 + 1), channel=choices.LiaisonChannel.PHONE,
        topics=[choices.LiaisonTopic.EMPLOYMENT], summary="矩阵")


@scenario("services.ServiceCase")
def _case(place):
    return ServiceCase.objects.create(
        title=f"矩阵事项{_n()}", kind=choices.CaseKind.EMPLOYMENT, channel=choices.CaseChannel.OUTPOST,
        applicant_name="矩阵", town=place.town, village=place.village, organization=_outpost(place),
        opened_on=D(2025, 4, 1))


@scenario("services.Training")
def _training(place):
    return Training.objects.create(title=f"矩阵培训{_n()}", kind=choices.TrainingKind.ECOMMERCE, held_on=D(2025, 5, 1),
                                   county=place.county, town=place.town)


@scenario("services.TrainingAttendee")
def _attendee(place):
    worker = factories.worker(place.town, place.village, name=f"矩阵学员{_n()}")
    return TrainingAttendee.objects.create(training=_training(place), worker=worker, organization=place.organization)


@scenario("services.JobFair")
def _job_fair(place):
    return JobFair.objects.create(title=f"矩阵招聘会{_n()}", held_on=D(2025, 2, 20), county=place.county, town=place.town)


@scenario("services.EmploymentAgreement")
def _employment_agreement(place):
    return EmploymentAgreement.objects.create(enterprise=place.enterprise, town=place.town, village=place.village,
                                              signed_on=D(2025, 3, 1), positions=20, workers_placed=5)


@scenario("services.OutreachCampaign")
def _campaign(place):
    return OutreachCampaign.objects.create(
        festival=choices.Festival.SPRING, year=2025, title=f"矩阵走访{_n()}", town=place.town, village=place.village,
        held_from=D(2025, 1, 20), activities=[choices.OutreachActivity.VISIT])


@scenario("services.VideoLesson")
def _video_lesson(place):
    return VideoLesson.objects.create(title=f"矩阵党课{_n()}", held_on=D(2025, 7, 1), county=place.county,
                                      town=place.town, organization=place.organization, attendance_count=10)


@scenario("services.Funding")
def _funding(place):
    return Funding.objects.create(organization=place.organization, year=2025, amount=Decimal("10000"),
                                  source=choices.FundingSource.RETAINED_DUES)


@scenario("services.OrgLifeRecord")
def _org_life(place):
    return OrgLifeRecord.objects.create(member=_member(place), host_organization=place.host_organization,
                                        organization=place.organization, held_on=D(2025, 5, 1),
                                        kind=choices.OrgLifeKind.THEME_DAY)


@scenario("services.DuesPayment")
def _dues(place):
    return DuesPayment.objects.create(member=_member(place), month=D(2025, 5, 1), amount=Decimal("2.00"),
                                      paid_on=D(2025, 5, 3), host_organization=place.host_organization)


@scenario("services.MemberEvaluation")
def _evaluation(place):
    return MemberEvaluation.objects.create(member=_member(place), host_organization=place.host_organization, year=2025,
                                           rating=choices.EvaluationRating.QUALIFIED, opinion="矩阵",
                                           evaluated_on=D(2025, 12, 20))


@scenario("services.ActivistInspection")
def _inspection(place):
    activist = factories.activist(place.town, place.village, name=f"矩阵积极分子{_n()}",
                                  cultivating_organization=place.organization, home_organization=place.organization,
                                  co_manager=place.host_organization)
    return ActivistInspection.objects.create(activist=activist, organization=place.organization,
                                             host_organization=place.host_organization, inspected_on=D(2025, 6, 1),
                                             opinion="矩阵", conclusion=choices.InspectionConclusion.CONTINUE)


@scenario("services.MobileCertificate")
def _certificate(place):
    return MobileCertificate.objects.create(member=_member(place), number=f"MX-{_n():06d}", issued_on=D(2025, 1, 1))


@scenario("services.RelationTransfer")
def _transfer(place):
    return RelationTransfer.objects.create(member=_member(place), from_organization=place.organization,
                                           destination_code="330106", receiving_org_name="矩阵接收党组织",
                                           requested_on=D(2025, 8, 1), reason="矩阵")
