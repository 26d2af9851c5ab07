"""API endpoints of this app; ``routes`` is registered under /api/v1/ by zyparty.urls.

Development cases and steps are written through talent.workflows: a refused step is a 400 whose message is the
rule's reason; out-of-scope records are 404; a role that may not take a step is 403.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from ledgers.api.excel import ExcelExportActions, ExcelImportActions
from talent import filters, workflows
from talent.api import serializers
from talent.models import (
    Appointment,
    Award,
    DevelopmentCase,
    DevelopmentStep,
    Nomination,
    QuotaResult,
    ReserveCadre,
    ReturneeVenture,
    Talent,
)
from zyparty.api.exceptions import PreconditionFailed, PreconditionRequired
from zyparty.api.permissions import HasPermission
from zyparty.api.views import ScopedViewSet

STEPS = Prefetch("steps", queryset=DevelopmentStep.objects.order_by("id").prefetch_related("participants"))


def _if_match(request, instance):
    given = request.headers.get("If-Match")
    if not given:
        raise PreconditionRequired()
    if given.strip() not in {instance.etag, f"W/{instance.etag}"}:
        raise PreconditionFailed()


class DevelopmentCaseViewSet(ScopedViewSet):
    """发展党员案卷：POST 受理入党申请（步骤①）；PATCH 转接组织或修改备注（须 If-Match）；POST …/close/ 终止（案卷不删除）。
    步骤通过 development-steps 记录。"""

    queryset = DevelopmentCase.objects.all()
    serializer_class = serializers.DevelopmentCaseSerializer
    filterset_class = filters.DevelopmentCaseFilterSet
    select_related = ("county", "town", "village", "organization")
    prefetch_related = (STEPS,)
    ordering_fields = ["id", "applied_on", "approved_on", "probation_ends_on", "current_step", "updated_at"]
    scope_error_field = "organization"

    def perform_create(self, serializer):
        serializer.instance = workflows.development_case_open(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        case = serializer.instance
        _if_match(self.request, case)
        data = dict(serializer.validated_data)
        notes, is_mobile = data.pop("notes", None), data.pop("is_mobile", None)
        if data:
            case = workflows.development_case_transfer(
                case=case, user=self.request.user,
                clear_host="host_organization" in data and data["host_organization"] is None, **data)
        changed = [name for name, value in (("notes", notes), ("is_mobile", is_mobile))
                   if value is not None and getattr(case, name) != value]
        for name in changed:
            setattr(case, name, notes if name == "notes" else is_mobile)
        if changed:
            case.save(update_fields=changed)
        serializer.instance = case

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self._show(serializer.instance, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return self._show(serializer.instance)

    def destroy(self, request, *args, **kwargs):
        return Response({"detail": _("发展党员案卷不能删除，请终止案卷并说明原因。")}, status=status.HTTP_405_METHOD_NOT_ALLOWED)

    @action(detail=True, methods=["post"], serializer_class=serializers.CaseCloseSerializer)
    def close(self, request, pk=None):
        """终止案卷（须说明原因）。"""
        case = self.get_object()
        given = serializers.CaseCloseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        workflows.development_case_close(case=case, user=request.user, **given.validated_data)
        return self._show(case)

    def _show(self, case, code=status.HTTP_200_OK):
        case = DevelopmentCase.objects.select_related(*self.select_related).prefetch_related(STEPS).get(pk=case.pk)
        response = Response(serializers.DevelopmentCaseSerializer(case, context=self.get_serializer_context()).data,
                            status=code)
        response["ETag"] = case.etag
        return response


class DevelopmentStepViewSet(ScopedViewSet):
    """发展步骤：POST 记录一个步骤（违反《发展党员工作细则》的以400返回原因）；步骤不修改、不删除，
    最后一个步骤记错时由县级 POST …/undo/ 撤销（须说明理由）。"""

    queryset = DevelopmentStep.objects.all()
    serializer_class = serializers.StepSerializer
    filterset_class = filters.DevelopmentStepFilterSet
    prefetch_related = ("participants",)
    ordering_fields = ["id", "done_on", "step"]
    scope_error_field = "case"

    def get_permissions(self):
        if self.action == "undo":
            self.required_permission = "talent.undo_developmentstep"
            return [*super().get_permissions(), HasPermission()]
        return super().get_permissions()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        facts = dict(serializer.validated_data)
        case, step = facts.pop("case"), facts.pop("step")
        if "participants" in facts:
            facts["participants"] = [dict(p) for p in facts["participants"]]
        record = workflows.development_step_record(case=case, step=step, user=request.user, **facts)
        record = DevelopmentStep.objects.prefetch_related("participants").get(pk=record.pk)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return Response({"detail": _("发展步骤是已办理事项的记录，不能修改；最后一个步骤记错时可撤销后重新记录。")},
                        status=status.HTTP_405_METHOD_NOT_ALLOWED)

    def destroy(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @action(detail=True, methods=["post"], serializer_class=serializers.UndoSerializer)
    def undo(self, request, pk=None):
        """撤销最后记录的步骤（须说明理由，记入审计日志）。"""
        record = self.get_object()
        given = serializers.UndoSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        workflows.development_step_undo(step=record, user=request.user, reason=given.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class TalentSyncMixin:
    """After a talent or one of its appointments is saved, the "one attract, four cultivate" stages follow."""

    def perform_create(self, serializer):
        super().perform_create(serializer)
        self._sync(serializer.instance)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self._sync(serializer.instance)

    def _sync(self, instance):
        workflows.talent_sync(talent=instance if isinstance(instance, Talent) else instance.talent)


class TalentViewSet(TalentSyncMixin, ScopedViewSet):
    """乡土人才库（一回引四培养）。"""

    queryset = Talent.objects.all()
    serializer_class = serializers.TalentSerializer
    filterset_class = filters.TalentFilterSet
    select_related = ("county", "town", "village")
    prefetch_related = ("stages",)
    ordering_fields = ["id", "name", "updated_at", "returned_on"]
    scope_error_field = "village"


class ReserveCadreViewSet(ScopedViewSet):
    """村级后备力量（青苗），年龄、学历按 RESERVE_CADRE_PROFILE 提示。"""

    queryset = ReserveCadre.objects.all()
    serializer_class = serializers.ReserveCadreSerializer
    filterset_class = filters.ReserveCadreFilterSet
    select_related = ("county", "town", "village", "talent")
    ordering_fields = ["id", "year", "selected_on", "updated_at"]
    scope_error_field = "talent"


class VentureViewSet(ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """返乡创业实体：合作社、家庭农场、企业、社区工厂。"""

    ledger_kind = "ventures"  # template/, import/, export/ (ledgers.api.excel; talent.schemas)

    queryset = ReturneeVenture.objects.all()
    serializer_class = serializers.VentureSerializer
    filterset_class = filters.VentureFilterSet
    select_related = ("county", "town", "village")
    ordering_fields = ["id", "name", "founded_on", "jobs_created", "updated_at"]
    scope_error_field = "village"


class AppointmentViewSet(TalentSyncMixin, ScopedViewSet):
    """任职：村务助理、村“两委”委员及主职、群团组织、合作组织。"""

    queryset = Appointment.objects.all()
    serializer_class = serializers.AppointmentSerializer
    filterset_class = filters.AppointmentFilterSet
    select_related = ("county", "town", "village", "talent")
    ordering_fields = ["id", "start_on", "updated_at"]
    scope_error_field = "talent"


class NominationViewSet(ScopedViewSet):
    """两代表一委员推荐。"""

    queryset = Nomination.objects.all()
    serializer_class = serializers.NominationSerializer
    filterset_class = filters.NominationFilterSet
    select_related = ("county", "town", "village", "talent")
    ordering_fields = ["id", "year", "updated_at"]
    scope_error_field = "talent"


class AwardViewSet(ScopedViewSet):
    """表彰：劳动模范、创业先锋、致富之星等。"""

    queryset = Award.objects.all()
    serializer_class = serializers.AwardSerializer
    filterset_class = filters.AwardFilterSet
    select_related = ("county", "town", "village", "talent")
    ordering_fields = ["id", "awarded_on", "updated_at"]
    scope_error_field = "talent"


class QuotaResultViewSet(ScopedViewSet):
    """配额评估结果（只读）：每条规则 × 考核对象 × 周期一条。"""

    queryset = QuotaResult.objects.all()
    serializer_class = serializers.QuotaResultSerializer
    filterset_class = filters.QuotaResultFilterSet
    select_related = ("rule", "county", "town", "village")
    ordering_fields = ["id", "period_start", "evaluated_at"]
    http_method_names = ["get", "head", "options"]


routes = [
    ("development-cases", DevelopmentCaseViewSet),
    ("development-steps", DevelopmentStepViewSet),
    ("talents", TalentViewSet),
    ("reserve-cadres", ReserveCadreViewSet),
    ("ventures", VentureViewSet),
    ("appointments", AppointmentViewSet),
    ("nominations", NominationViewSet),
    ("awards", AwardViewSet),
    ("quota-results", QuotaResultViewSet),
]
