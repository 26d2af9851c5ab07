"""What the records of the services app share: the abstract bases (a record kept at a place, a record about one
person of the ledgers, a step of a status trail) and the validation helpers of the package.

Every record kept at a place is an ``organizations.PlacedModel``: its county, town and (where it has one) village
are derived on save from the person, organization or unit named in its ``place_from``."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import PlacedModel, unit_key
from zyparty.models import TrackedModel


def _validate_codes(values, allowed, label):
    """A JSON list of codes, each one of ``allowed`` (choices), without repeats."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError(_("%(label)s应为代码列表。") % {"label": label})
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(_("未知的%(label)s：%(codes)s") % {"label": label, "codes": "、".join(unknown)})
    if len(set(values)) != len(values):
        raise ValidationError(_("%(label)s有重复项。") % {"label": label})


def _unique(record, queryset, field, message, errors):
    """A uniqueness rule checked in clean(), so it reads as a field error (the database constraint still holds)."""
    if record.pk:
        queryset = queryset.exclude(pk=record.pk)
    if queryset.exists():
        errors.setdefault(field, []).append(message)


def _not_future(value, field, errors):
    if value and value > timezone.localdate():
        errors.setdefault(field, []).append(_("日期不能晚于今天。"))


class ServiceRecord(PlacedModel, TrackedModel):
    """A service record kept at a place: cached county and town, derived from the town (or given for county-level
    records)."""

    county = unit_key(_("县"), level="county", editable=True, blank=True,
                      help_text=_("县级举办的填县；乡镇举办的填乡镇即可。"))
    town = unit_key(_("乡镇"), level="town", null=True, editable=True)
    village = None

    place_from = ("town",)
    scope_paths = {"county": "county", "town": "town"}

    class Meta:
        abstract = True

    def check_place(self, errors):
        if self.town_id and self.town.level != "town":
            errors.setdefault("town", []).append(_("请选择乡镇（街道）。"))
        if not self.town_id and not self.county_id:
            errors.setdefault("county", []).append(_("请填写县或乡镇。"))
        elif not self.town_id and self.county.level != "county":
            errors.setdefault("county", []).append(_("请选择县级区划。"))

    def clean(self):
        errors = {}
        self.derive_place()
        self.check_place(errors)
        if errors:
            raise ValidationError(errors)


class PersonLinked(PlacedModel, TrackedModel):
    """A record about one person of the ledgers: county, town and village are copied from that person, the key
    named in ``place_from``."""

    place_from = ("member",)

    class Meta:
        abstract = True

    @property
    def person_field(self):
        return self.place_from[0]

    @property
    def person(self):
        return getattr(self, self.person_field) if getattr(self, f"{self.person_field}_id") else None

    def changed(self, *attnames) -> bool:
        """Whether any of ``attnames`` differs from what was loaded (always true for a new record)."""
        loaded = self.loaded_values()
        if self._state.adding or loaded is None:
            return True
        return any(loaded.get(name) != getattr(self, name) for name in attnames)

    def clean(self):
        self.derive_place()


def _co_manager_errors(record, person, errors):
    """Seed 003 党员共管: a host-place organization records only for the people it co-manages."""
    if record.host_organization_id and person is not None and record.changed(
            f"{record.person_field}_id", "host_organization_id"):
        if person.co_manager_id != record.host_organization_id:
            errors.setdefault("host_organization", []).append(
                _("%(name)s不由该流入地党组织共管，不能为其记录。") % {"name": person.name})


class StatusEvent(models.Model):
    """One step of a record's trail: who moved it from which status to which, when, and why. Concrete trails add
    the record they belong to and their ``from_status`` / ``status`` with the record's own choices."""

    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_status_display()}"
