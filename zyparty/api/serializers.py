"""Serializer bases: validation through the model's own ``clean()`` (one rule, one place), unknown fields
refused (no mass assignment), related choices limited to the caller's scope, personal data masked unless the caller
may and asks to see it (SECURITY.md "scope", "personal data"; PIPL Art. 28, 51)."""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import serializers

from zyparty import scoping
from zyparty.units import unit_model


def _county_wide(model):
    """Whether anyone in a county may link to any of its records of ``model``, wherever in the county they are
    (``settings.ZYPARTY_COUNTY_WIDE_CHOICES``): places (a village is named in an address), the host-place
    organizations the county partners with (they have no town), and the enterprises on the county's ledger (workers
    from every town work at them). Everything else can only be linked inside the user's own scope."""
    return model._meta.label_lower in {label.lower() for label in settings.ZYPARTY_COUNTY_WIDE_CHOICES}


def _user_counties(user):
    cached = getattr(user, "_zyparty_counties", None)
    if cached is None:
        cached = set()
        for anchor in ("unit", "organization", "enterprise", "host_organization"):
            if getattr(user, f"{anchor}_id", None):
                county = getattr(getattr(user, anchor), "county_id", None)
                if county:
                    cached.add(county)
        user._zyparty_counties = cached
    return cached


def scoped_choices(queryset, user):
    """The related records ``user`` may attach a record to (API writes and admin forms alike; SECURITY.md "scope":
    nobody can move or link a record outside their scope). Out-of-scope choices answer "does not exist"."""
    model = queryset.model
    if getattr(model, "scope_paths", None) is None:
        return queryset
    scope = scoping.scope_of(user)
    if scope.everything:
        return queryset
    if _county_wide(model):
        counties = _user_counties(user) if not scope.is_empty else set()
        return queryset.filter(scoping.scope_q(model, scope) | Q(county_id__in=counties))
    return scoping.restrict(queryset, user)


def fill_ancestry(instance):
    """Give an unsaved (or just edited) record the county and town keys its ``save()`` would derive, so that the
    scope check before saving judges the record as it will be stored. Records derive them in ``prepare()`` (the
    ledgers' convention) or in ``save()`` from the unit they point at; both are mirrored here. The check is repeated
    on the saved record (ScopedViewSet, ScopedAdmin.save_model), so a model deriving them otherwise is still safe."""
    prepare = getattr(instance, "prepare", None)
    if callable(prepare):
        prepare()
    unit = unit_model()
    fields = {f.name: f for f in instance._meta.concrete_fields if f.is_relation and f.related_model is unit}
    for target in ("county", "town"):
        if target not in fields or getattr(instance, f"{target}_id") is not None:
            continue
        sources = [name for name in fields if name not in ("county", "town")] + (["town"] if target == "county" else [])
        for name in sources:
            unit = getattr(instance, name) if getattr(instance, fields[name].attname) is not None else None
            derived = getattr(unit, f"{target}_id", None) if unit is not None else None
            if derived is not None:
                setattr(instance, f"{target}_id", derived)
                break
    return instance


class UnitCodeField(serializers.SlugRelatedField):
    """A unit given and shown by its code (CONTRACT.md natural key); a writable one chooses among all units.

    Serializers declare it when their module is imported, which may be before the app registry has loaded the unit
    model (``unit_model()``). Every serializer instance works on copies of its declared fields, and DRF copies a
    field by instantiating it again, so a copy takes the queryset here once the registry is ready; ``get_queryset``
    covers a field used without being copied."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only") and "queryset" not in kwargs and apps.models_ready:
            kwargs["queryset"] = unit_model()._default_manager.all()
        super().__init__(**kwargs)

    def get_queryset(self):
        if self.queryset is None and not self.read_only:
            self.queryset = unit_model()._default_manager.all()
        return super().get_queryset()

    default_error_messages = {
        "does_not_exist": _("区划代码 {value} 不存在。"),
        "invalid": _("区划代码无效。"),
    }


class ModelCleanSerializer(serializers.ModelSerializer):
    """Runs ``Model.clean()`` on the would-be instance and takes back the values it normalised; related records
    can only be chosen inside the caller's scope (:func:`scoped_choices`)."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False) or request.method in ("GET", "HEAD", "OPTIONS"):
            return fields
        for name, field in fields.items():
            relation = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
            if isinstance(relation, serializers.RelatedField) and not relation.read_only \
                    and getattr(relation, "queryset", None) is not None:
                queryset = scoped_choices(relation.queryset, user)
                current = self._current_links(field.source or name)
                if current:
                    # Keeping an existing link is not attaching the record outside the editor's scope.
                    queryset = queryset | queryset.model._default_manager.filter(pk__in=current)
                relation.queryset = queryset
        return fields

    def _current_links(self, source):
        instance = self.instance
        if instance is None or not hasattr(instance, "_meta") or "." in source:
            return []
        try:
            model_field = instance._meta.get_field(source)
        except FieldDoesNotExist:  # a serializer field that is not a model field
            return []
        if model_field.many_to_many:
            return list(getattr(instance, model_field.name).values_list("pk", flat=True))
        if model_field.is_relation and model_field.concrete:
            value = getattr(instance, model_field.attname)
            return [value] if value is not None else []
        return []

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = sorted(set(data.keys()) - writable)
            if unknown:
                raise serializers.ValidationError({name: [_("未知字段或只读字段。")] for name in unknown})
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = self.instance if self.instance is not None else model()
        many = {f.name for f in model._meta.many_to_many}
        saved = {}
        for key, value in attrs.items():
            if key in many:
                continue
            saved[key] = getattr(instance, key, None) if self.instance is not None else None
            setattr(instance, key, value)
        try:
            instance.clean()
        except DjangoValidationError as exc:
            if self.instance is not None:
                for key, value in saved.items():
                    setattr(instance, key, value)
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        # Take back what clean() normalised or derived (e.g. a destination code parsed from the address).
        concrete = {f.name for f in model._meta.concrete_fields}
        for name, field in self.fields.items():
            source = field.source or name
            if not field.read_only and source in concrete and source not in many:
                if source in attrs or getattr(instance, source, None) not in (None, ""):
                    attrs[source] = getattr(instance, source)
        self._validated_instance = instance
        return attrs


class MaskedField(serializers.CharField):
    """Writes a personal value in clear; reads it masked, or in clear when the view says it may be shown."""

    def __init__(self, masked_source=None, mask=None, **kwargs):
        self.masked_source = masked_source
        self.mask = mask
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        if self.context.get("unmask"):
            return super().get_attribute(instance)
        if self.masked_source:
            return getattr(instance, self.masked_source)
        return self.mask(super().get_attribute(instance))
