"""API endpoints of this app; ``routes`` is registered under /api/v1/ by zyparty.urls.

Development cases and steps are written through talent.workflows: a refused step is a 400 whose message is the
rule's reason; out-of-scope records are 404; a role that may not take a step is 403.
"""

from django.db.models import Prefetch
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from talent import filters, workflows
from talent.api import serializers
from talent.models import (
    Appointment,
    Award,
    DevelopmentCase,
    DevelopmentStep,
    Nomination,
    QuotaResult,
    QuotaRule,
    ReserveCadre,
    ReturneeVenture,
    Talent,
    TimeLimit,
)
from zyparty import context
from zyparty.api.exceptions import PreconditionFailed, PreconditionRequired
from zyparty.api.views import ScopedViewSet

STEPS = Prefetch("steps", queryset=DevelopmentStep.objects.order_by("id").prefetch_related("participants"))


def _if_match(request, instance):
    given = request.headers.get("If-Match")
    if not given:
        raise PreconditionRequired()
    if given.strip() not in {instance.etag, f"W/{instance.etag}"}:
        raise PreconditionFailed()


class DevelopmentCaseViewSet(ScopedViewSet):
    """发展党员案卷：POST 受理入党申请（步骤①）；PATCH 转接组织或修改备注（须 If-Match）；POST …/close/ 终止。
    步骤通过 development-steps 记录。"""

    queryset = DevelopmentCase.objects.all()
    serializer_class = serializers.DevelopmentCaseSerializer
    filterset_class = filters.DevelopmentCaseFilterSet
    select_related = ("county", "town", "village", "organization")
    prefetch_related = (STEPS,)
    ordering_fields = ["id", "applied_on", "approved_on", "probation_ends_on", "current_step", "updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        given = serializers.CaseOpenSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        case = workflows.development_case_open(user=request.user, **given.validated_data)
        return self._show(case, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        _if_match(request, case)
        given = serializers.CaseChangeSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        notes = data.pop("notes", None)
        if data:
            case = workflows.development_case_transfer(case=case, user=request.user,
                                                       clear_host="host_organization" in data
                                                       and data["host_organization"] is None, **data)
        if notes is not None:
            case.notes = notes
            case.save(update_fields=["notes"])
        return self._show(case)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """终止案卷（须说明原因）。"""
        case = self.get_object()
        given = serializers.CaseCloseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        workflows.development_case_close(case=case, user=request.user, **given.validated_data)
        return self._show(case)

    def _show(self, case, code=status.HTTP_200_OK):
        case = DevelopmentCase.objects.select_related(*self.select_related).prefetch_related(STEPS).get(pk=case.pk)
        response = Response(self.get_serializer(case).data, status=code)
        response["ETag"] = case.etag
        return response


class DevelopmentStepViewSet(ScopedViewSet):
    """发展步骤：POST 记录一个步骤（违反《发展党员工作细则》的以400返回原因）；DELETE ?reason= 撤销最后一个步骤。"""

    queryset = DevelopmentStep.objects.all()
    serializer_class = serializers.StepSerializer
    filterset_class = filters.DevelopmentStepFilterSet
    prefetch_related = ("participants",)
    ordering_fields = ["id", "done_on", "step"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create(self, request, *args, **kwargs):
        given = serializers.StepInputSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        facts = dict(given.validated_data)
        case, step = facts.pop("case"), facts.pop("step")
        if "participants" in facts:
            facts["participants"] = [dict(p) for p in facts["participants"]]
        record = workflows.development_step_record(case=case, step=step, user=request.user, **facts)
        record = DevelopmentStep.objects.prefetch_related("participants").get(pk=record.pk)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        record = self.get_object()
        workflows.development_step_undo(step=record, user=request.user, reason=request.query_params.get("reason", ""))
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


class VentureViewSet(ScopedViewSet):
    """返乡创业实体：合作社、家庭农场、企业、社区工厂。"""

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


class CountyConfigViewSet(viewsets.ModelViewSet):
    """County-wide configuration readable by every role that holds the view permission (not scoped)."""

    http_method_names = ["get", "put", "patch", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        context.current().user = request.user  # the audit trail and updated_by read the actor

    def get_queryset(self):
        return self.queryset.model.objects.all()

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = self.get_object().etag
        return response

    def perform_update(self, serializer):
        instance = serializer.instance
        _if_match(self.request, instance)
        serializer.save()


class QuotaRuleViewSet(CountyConfigViewSet):
    """配额规则（县级业务管理员维护）。"""

    queryset = QuotaRule.objects.all()
    serializer_class = serializers.QuotaRuleSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering_fields = ["id", "code", "subject"]


class TimeLimitViewSet(CountyConfigViewSet):
    """发展党员时限与阈值（县级调整）。"""

    queryset = TimeLimit.objects.all()
    serializer_class = serializers.TimeLimitSerializer
    ordering_fields = ["id", "code"]


routes = [
    ("development-cases", DevelopmentCaseViewSet),
    ("development-steps", DevelopmentStepViewSet),
    ("talents", TalentViewSet),
    ("reserve-cadres", ReserveCadreViewSet),
    ("ventures", VentureViewSet),
    ("appointments", AppointmentViewSet),
    ("nominations", NominationViewSet),
    ("awards", AwardViewSet),
    ("quota-rules", QuotaRuleViewSet),
    ("quota-results", QuotaResultViewSet),
    ("time-limits", TimeLimitViewSet),
]
