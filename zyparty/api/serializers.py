"""Serializer bases: validation through the model's own ``clean()`` (one rule, one place), unknown fields
refused, personal data masked unless the caller may and asks to see it."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from organizations.models import Unit


class UnitCodeField(serializers.SlugRelatedField):
    """A unit given and shown by its code (CONTRACT.md natural key)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Unit.objects.all())
        super().__init__(**kwargs)

    default_error_messages = {
        "does_not_exist": _("区划代码 {value} 不存在。"),
        "invalid": _("区划代码无效。"),
    }


class ModelCleanSerializer(serializers.ModelSerializer):
    """Runs ``Model.clean()`` on the would-be instance and takes back the values it normalised."""

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
