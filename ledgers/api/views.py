from django.db.models import Count

from ledgers import workflows
from ledgers.api import serializers
from ledgers.api.excel import ExcelExportActions, ExcelImportActions
from ledgers.filters import ActivistFilterSet, EnterpriseFilterSet, MemberFilterSet, WorkerFilterSet
from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.api import views as organization_views
from zyparty.api.views import ScopedViewSet

PERSON_ORDERING = ["id", "name", "birth_date", "updated_at", "created_at"]


class WorkerViewSet(ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """农民工台账。"""

    ledger_kind = "workers"

    queryset = Worker.objects.all()
    serializer_class = serializers.WorkerSerializer
    filterset_class = WorkerFilterSet
    select_related = ("county", "town", "village", "enterprise")
    ordering_fields = PERSON_ORDERING + ["completeness", "left_on", "monthly_income"]


class EnterpriseViewSet(ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """聚集地企业台账。"""

    ledger_kind = "enterprises"

    queryset = HostEnterprise.objects.all()
    serializer_class = serializers.EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    select_related = ("county", "town")
    prefetch_related = ("paired_villages",)
    ordering_fields = ["id", "name", "updated_at", "workers_count"]

    def get_queryset(self):
        return super().get_queryset().annotate(workers_count=Count("workers"))


class LinksWorker:
    """Members and activists: after a write, the worker record of the same person is created and linked where the
    caller may add it (ledgers.workflows.person_worker_link; save() links an existing one)."""

    def perform_create(self, serializer):
        super().perform_create(serializer)
        self._link_worker(serializer.instance)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self._link_worker(serializer.instance)

    def _link_worker(self, record):
        workflows.person_worker_link(user=self.request.user, record=record)
        self._saved_etag = record.etag  # linking moves the version on


class MemberViewSet(LinksWorker, ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """农民工党员台账。"""

    ledger_kind = "members"

    queryset = PartyMember.objects.all()
    serializer_class = serializers.MemberSerializer
    filterset_class = MemberFilterSet
    select_related = ("county", "town", "village")
    ordering_fields = PERSON_ORDERING + ["joined_on", "out_since"]


class ActivistViewSet(LinksWorker, ExcelImportActions, ExcelExportActions, ScopedViewSet):
    """入党积极分子台账。"""

    ledger_kind = "activists"

    queryset = Activist.objects.all()
    serializer_class = serializers.ActivistSerializer
    filterset_class = ActivistFilterSet
    select_related = ("county", "town", "village")
    ordering_fields = PERSON_ORDERING + ["applied_on", "activist_on"]


class UnitViewSet(ExcelImportActions, organization_views.UnitViewSet):
    """行政区划（县 6 位、乡镇 9 位、村（社区）12 位代码）。"""

    # POST units/import/ and GET units/template/ (ledgers.api.excel; CONTRACT.md "units"): composed here, so that
    # organizations knows nothing of the ledgers; registered under units/ in place of organizations' plain viewset.
    ledger_kind = "units"


class OrganizationViewSet(ExcelImportActions, ExcelExportActions, organization_views.OrganizationViewSet):
    """党组织（含驻外党组织、网络型支部）。"""

    # POST organizations/import/, GET organizations/template/ and organizations/export/ (CONTRACT.md
    # "organizations"), composed here like units/ so that organizations knows nothing of the ledgers.
    ledger_kind = "organizations"


routes = [
    ("units", UnitViewSet),
    ("organizations", OrganizationViewSet),
    ("workers", WorkerViewSet),
    ("enterprises", EnterpriseViewSet),
    ("members", MemberViewSet),
    ("activists", ActivistViewSet),
]
