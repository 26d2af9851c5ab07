"""One FilterSet per services model, shared by the API and the pages (``unit``, ``search``, ``updated_since`` come
from zyparty.filters.BaseFilterSet)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organizations.models import Unit
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
from zyparty.filters import BaseFilterSet
from zyparty.validators import normalize_code


def date_range(field, after_label, before_label):
    return (django_filters.DateFilter(field_name=field, lookup_expr="gte", label=after_label),
            django_filters.DateFilter(field_name=field, lookup_expr="lte", label=before_label))


class LiaisonFilterSet(BaseFilterSet):
    search_fields = ("summary", "follow_ups", "participants")
    held_after, held_before = date_range("held_on", _("交流日期不早于"), _("交流日期不晚于"))
    year = django_filters.NumberFilter(field_name="held_on", lookup_expr="year", label=_("年度"))
    topic = django_filters.ChoiceFilter(choices=choices.LiaisonTopic.choices, method="filter_topic",
                                        label=_("交流内容"))

    class Meta:
        model = LiaisonRecord
        fields = ["channel", "host_organization", "organization"]

    def filter_topic(self, queryset, name, value):
        # JSON "contains" is not available on SQLite; the codes are distinct words, so the quoted code is exact.
        return queryset.filter(topics__icontains=f'"{value}"')


class ServiceCaseFilterSet(BaseFilterSet):
    search_fields = ("title", "applicant_name", "description")
    opened_after, opened_before = date_range("opened_on", _("受理日期不早于"), _("受理日期不晚于"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("未办结"))

    class Meta:
        model = ServiceCase
        fields = ["kind", "channel", "status", "handler", "organization", "worker", "member"]

    def filter_open(self, queryset, name, value):
        q = {"status__in": choices.CASE_OPEN_STATUSES}
        return queryset.filter(**q) if value else queryset.exclude(**q)


class TrainingFilterSet(BaseFilterSet):
    search_fields = ("title", "organizer", "location")
    held_after, held_before = date_range("held_on", _("开班日期不早于"), _("开班日期不晚于"))
    year = django_filters.NumberFilter(field_name="held_on", lookup_expr="year", label=_("年度"))

    class Meta:
        model = Training
        fields = ["kind"]


class TrainingAttendeeFilterSet(BaseFilterSet):
    search_fields = ("name", "certificate_no")
    year = django_filters.NumberFilter(field_name="training__held_on", lookup_expr="year", label=_("年度"))
    certified = django_filters.BooleanFilter(method="filter_certified", label=_("已发结业证书"))

    class Meta:
        model = TrainingAttendee
        fields = ["training", "organization", "worker", "member"]

    def filter_certified(self, queryset, name, value):
        return queryset.exclude(certificate_no="") if value else queryset.filter(certificate_no="")


class JobFairFilterSet(BaseFilterSet):
    search_fields = ("title", "location", "organizer")
    held_after, held_before = date_range("held_on", _("举办日期不早于"), _("举办日期不晚于"))
    year = django_filters.NumberFilter(field_name="held_on", lookup_expr="year", label=_("年度"))

    class Meta:
        model = JobFair
        fields = []


class EmploymentAgreementFilterSet(BaseFilterSet):
    search_fields = ("enterprise__name", "terms")
    signed_after, signed_before = date_range("signed_on", _("签订日期不早于"), _("签订日期不晚于"))

    class Meta:
        model = EmploymentAgreement
        fields = ["enterprise", "job_fair"]


class OutreachCampaignFilterSet(BaseFilterSet):
    search_fields = ("title", "summary", "problems")

    class Meta:
        model = OutreachCampaign
        fields = ["festival", "year"]


class VideoLessonFilterSet(BaseFilterSet):
    search_fields = ("title", "speaker")
    year = django_filters.NumberFilter(field_name="held_on", lookup_expr="year", label=_("年度"))

    class Meta:
        model = VideoLesson
        fields = ["organization"]


class FundingFilterSet(BaseFilterSet):
    search_fields = ("purpose", "organization__name")

    class Meta:
        model = Funding
        fields = ["organization", "year", "source"]


class OrgLifeRecordFilterSet(BaseFilterSet):
    search_fields = ("member__name", "topic")
    held_after, held_before = date_range("held_on", _("日期不早于"), _("日期不晚于"))

    class Meta:
        model = OrgLifeRecord
        fields = ["member", "host_organization", "organization", "kind", "attended"]


class DuesPaymentFilterSet(BaseFilterSet):
    search_fields = ("member__name", "receipt_no")
    month_from, month_to = date_range("month", _("所属月份不早于"), _("所属月份不晚于"))

    class Meta:
        model = DuesPayment
        fields = ["member", "host_organization", "place"]


class MemberEvaluationFilterSet(BaseFilterSet):
    search_fields = ("member__name", "opinion")

    class Meta:
        model = MemberEvaluation
        fields = ["member", "host_organization", "year", "half", "rating"]


class ActivistInspectionFilterSet(BaseFilterSet):
    search_fields = ("activist__name", "opinion")
    inspected_after, inspected_before = date_range("inspected_on", _("考察日期不早于"), _("考察日期不晚于"))

    class Meta:
        model = ActivistInspection
        fields = ["activist", "organization", "host_organization", "conclusion"]


class MobileCertificateFilterSet(BaseFilterSet):
    search_fields = ("number", "member__name")

    class Meta:
        model = MobileCertificate
        fields = ["member", "revoked"]


class RelationTransferFilterSet(BaseFilterSet):
    search_fields = ("member__name", "receiving_org_name", "reason")
    requested_after, requested_before = date_range("requested_on", _("申请日期不早于"), _("申请日期不晚于"))

    class Meta:
        model = RelationTransfer
        fields = ["member", "status", "from_organization", "to_organization"]

    def filter_unit(self, queryset, name, value):
        """A town sees transfers of its members and transfers into its organizations (town or to_town)."""


        unit = Unit.objects.filter(code=normalize_code(value)).first()
        if unit is None:
            return queryset.none()
        if unit.level == "town":
            return queryset.filter(Q(town=unit) | Q(to_town=unit))
        return queryset.filter(**{unit.level: unit})
