"""API endpoints of this app; ``routes`` is registered under /api/v1/ by zyparty.urls.

Trainings, sign-in sheets (training-attendees), job fairs, service cases, liaison records and employment agreements
have ``template/``, ``import/`` and ``export/`` actions (ledgers.api.excel; their sheets in services.schemas).

Status changes are actions, not field edits: ``service-cases/{id}/transition/``, ``transfers/{id}/decide/`` and
``certificates/{id}/revoke/`` (each needs the model's change permission and goes through services.workflows).
"""

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from ledgers.api.excel import ExcelExportActions, ExcelImportActions
from services import choices, filters, workflows
from services.api import serializers
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
    RelationTransferEvent,
    ServiceCase,
    ServiceCaseEvent,
    Training,
    TrainingAttendee,
    VideoLesson,
)
from zyparty.api.views import ScopedViewSet

PERSON_LINKED = ("county", "town", "village")


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise exceptions.PermissionDenied()


class LiaisonViewSet(ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """双向联系记录（乡镇党委与流入地党组织、驻外党组织，seed 000 §6）。"""

    ledger_kind = "liaisons"  # template/, import/, export/ (ledgers.api.excel; services.schemas)

    queryset = LiaisonRecord.objects.all()
    serializer_class = serializers.LiaisonSerializer
    filterset_class = filters.LiaisonFilterSet
    select_related = ("county", "town", "host_organization", "organization")
    ordering_fields = ["id", "held_on", "updated_at"]


class ServiceCaseViewSet(ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """服务事项（就业、社保、法律援助与追讨欠薪、证照、贷款、留守关爱），含办理记录。"""

    ledger_kind = "cases"  # template/, import/, export/ (ledgers.api.excel; services.schemas)

    queryset = ServiceCase.objects.all()
    serializer_class = serializers.ServiceCaseSerializer
    filterset_class = filters.ServiceCaseFilterSet
    select_related = ("county", "town", "village", "handler", "worker", "member")
    prefetch_related = (Prefetch("events", queryset=ServiceCaseEvent.objects.select_related("by")),)
    ordering_fields = ["id", "opened_on", "closed_on", "amount_recovered", "updated_at"]

    @extend_schema(request=serializers.CaseTransitionSerializer, responses=serializers.ServiceCaseSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the case to its next status (已受理 → 办理中 / 已转办 → 已办结 or 已终止), with a note."""
        _require(request, "services.change_servicecase")
        case = self.get_object()
        data = serializers.CaseTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workflows.service_case_transition(case=case, user=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)


class TrainingViewSet(ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """培训（五大免费技能培训、驻外党组织书记培训等）。"""

    ledger_kind = "trainings"  # template/, import/, export/ (ledgers.api.excel; services.schemas)

    queryset = Training.objects.all()
    serializer_class = serializers.TrainingSerializer
    filterset_class = filters.TrainingFilterSet
    select_related = ("county", "town")
    ordering_fields = ["id", "held_on", "updated_at"]

    def get_queryset(self):
        return super().get_queryset().annotate(attendee_count=Count("attendees"))


class TrainingAttendeeViewSet(ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """参训人员（以书记身份参训的，注明所在党组织）。"""

    ledger_kind = "attendees"  # template/, import/, export/ (ledgers.api.excel; services.schemas)

    queryset = TrainingAttendee.objects.all()
    serializer_class = serializers.TrainingAttendeeSerializer
    filterset_class = filters.TrainingAttendeeFilterSet
    select_related = ("training", *PERSON_LINKED)
    ordering_fields = ["id", "name", "updated_at"]


class JobFairViewSet(ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """招聘会（“就业春风”行动）。"""

    ledger_kind = "job_fairs"  # template/, import/, export/ (ledgers.api.excel; services.schemas)

    queryset = JobFair.objects.all()
    serializer_class = serializers.JobFairSerializer
    filterset_class = filters.JobFairFilterSet
    select_related = ("county", "town")
    ordering_fields = ["id", "held_on", "updated_at"]


class EmploymentAgreementViewSet(ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """定向用工协议。"""

    ledger_kind = "agreements"  # template/, import/, export/ (ledgers.api.excel; services.schemas)

    queryset = EmploymentAgreement.objects.all()
    serializer_class = serializers.EmploymentAgreementSerializer
    filterset_class = filters.EmploymentAgreementFilterSet
    select_related = ("enterprise", "county", "town", "village")
    ordering_fields = ["id", "signed_on", "updated_at"]


class OutreachCampaignViewSet(ScopedViewSet):
    """节日集中走访（中秋、春节）。"""

    queryset = OutreachCampaign.objects.all()
    serializer_class = serializers.OutreachCampaignSerializer
    filterset_class = filters.OutreachCampaignFilterSet
    select_related = ("county", "town", "village")
    ordering_fields = ["id", "held_from", "year", "updated_at"]


class VideoLessonViewSet(ScopedViewSet):
    """视频党课。"""

    queryset = VideoLesson.objects.all()
    serializer_class = serializers.VideoLessonSerializer
    filterset_class = filters.VideoLessonFilterSet
    select_related = ("county", "town")
    prefetch_related = ("attendees",)
    ordering_fields = ["id", "held_on", "updated_at"]


class FundingViewSet(ScopedViewSet):
    """党建经费（按党组织、年度）。"""

    queryset = Funding.objects.all()
    serializer_class = serializers.FundingSerializer
    filterset_class = filters.FundingFilterSet
    select_related = ("organization", "county", "town")
    ordering_fields = ["id", "year", "amount", "updated_at"]
    scope_error_field = "organization"


class OrgLifeRecordViewSet(ScopedViewSet):
    """组织生活记录（流入地党组织记录其共管的党员）。"""

    queryset = OrgLifeRecord.objects.all()
    serializer_class = serializers.OrgLifeRecordSerializer
    filterset_class = filters.OrgLifeRecordFilterSet
    select_related = ("member", *PERSON_LINKED)
    ordering_fields = ["id", "held_on", "updated_at"]
    scope_error_field = "member"

    def perform_destroy(self, instance):
        workflows.org_life_record_delete(user=self.request.user, record=instance)


class DuesPaymentViewSet(ScopedViewSet):
    """党费交纳记录（在流入地或组织关系所在地交纳）。"""

    queryset = DuesPayment.objects.all()
    serializer_class = serializers.DuesPaymentSerializer
    filterset_class = filters.DuesPaymentFilterSet
    select_related = ("member", *PERSON_LINKED)
    ordering_fields = ["id", "month", "paid_on", "updated_at"]
    scope_error_field = "member"

    def perform_destroy(self, instance):
        workflows.dues_payment_delete(user=self.request.user, payment=instance)


class MemberEvaluationViewSet(ScopedViewSet):
    """流入地党组织对共管党员的评价意见。"""

    queryset = MemberEvaluation.objects.all()
    serializer_class = serializers.MemberEvaluationSerializer
    filterset_class = filters.MemberEvaluationFilterSet
    select_related = ("member", *PERSON_LINKED)
    ordering_fields = ["id", "year", "evaluated_on", "updated_at"]
    scope_error_field = "member"


class ActivistInspectionViewSet(ScopedViewSet):
    """入党积极分子考察意见（户籍地、流入地双向考察）。"""

    queryset = ActivistInspection.objects.all()
    serializer_class = serializers.ActivistInspectionSerializer
    filterset_class = filters.ActivistInspectionFilterSet
    select_related = ("activist", *PERSON_LINKED)
    ordering_fields = ["id", "inspected_on", "updated_at"]
    scope_error_field = "activist"


class MobileCertificateViewSet(ScopedViewSet):
    """流动党员活动证。"""

    queryset = MobileCertificate.objects.all()
    serializer_class = serializers.MobileCertificateSerializer
    filterset_class = filters.MobileCertificateFilterSet
    select_related = ("member", *PERSON_LINKED)
    ordering_fields = ["id", "issued_on", "updated_at"]
    scope_error_field = "member"

    @extend_schema(request=serializers.RevokeSerializer, responses=serializers.MobileCertificateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Take the certificate back (收回), with the reason."""
        _require(request, "services.change_mobilecertificate")
        certificate = self.get_object()
        data = serializers.RevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workflows.certificate_revoke(user=request.user, certificate=certificate, reason=data.validated_data["reason"],
                                     on=data.validated_data["on"])
        return Response(self.get_serializer(self.get_queryset().get(pk=certificate.pk)).data)


class RelationTransferViewSet(ScopedViewSet):
    """组织关系转接（申请、接收或退回、撤销），含办理记录。"""

    queryset = RelationTransfer.objects.all()
    serializer_class = serializers.RelationTransferSerializer
    filterset_class = filters.RelationTransferFilterSet
    select_related = ("member", "to_organization", "to_town", *PERSON_LINKED)
    prefetch_related = (Prefetch("events", queryset=RelationTransferEvent.objects.select_related("by")),)
    ordering_fields = ["id", "requested_on", "updated_at"]
    scope_error_field = "member"

    def perform_update(self, serializer):
        if serializer.instance.status != choices.TransferStatus.REQUESTED:
            raise exceptions.ValidationError({"status": [_("已办结的转接不能修改。")]})
        super().perform_update(serializer)

    @extend_schema(request=serializers.TransferDecisionSerializer, responses=serializers.RelationTransferSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Accept or reject (receiving side), or cancel (home side)."""
        _require(request, "services.change_relationtransfer")
        transfer = self.get_object()
        data = serializers.TransferDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workflows.transfer_decide(user=request.user, transfer=transfer, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=transfer.pk)).data)


routes = [
    ("liaisons", LiaisonViewSet),
    ("service-cases", ServiceCaseViewSet),
    ("trainings", TrainingViewSet),
    ("training-attendees", TrainingAttendeeViewSet),
    ("job-fairs", JobFairViewSet),
    ("employment-agreements", EmploymentAgreementViewSet),
    ("campaigns", OutreachCampaignViewSet),
    ("video-lessons", VideoLessonViewSet),
    ("fundings", FundingViewSet),
    ("org-life-records", OrgLifeRecordViewSet),
    ("dues-payments", DuesPaymentViewSet),
    ("evaluations", MemberEvaluationViewSet),
    ("activist-inspections", ActivistInspectionViewSet),
    ("certificates", MobileCertificateViewSet),
    ("transfers", RelationTransferViewSet),
]
