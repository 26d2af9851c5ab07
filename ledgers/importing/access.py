"""Who may import and export which ledger into which unit (SECURITY.md "imports"; the permission names are
organizations.roles'), and whether a row lands inside the import's scope and unit (zyparty.scoping)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from ledgers.permissions import EXPORT, IMPORT
from ledgers.schemas import KIND_LABELS, schema_for
from organizations.models import Unit
from zyparty import scoping


class ImportRefused(PermissionDenied):
    """The user may not import this ledger into this unit (a 403 for the API, a message for the pages)."""


def import_permissions(kind):
    """The permissions an import of ``kind`` needs: ``ledgers.import_ledger`` plus adding and changing its records."""
    schema = schema_for(kind)
    meta = schema.model._meta
    return [IMPORT, f"{meta.app_label}.add_{meta.model_name}", f"{meta.app_label}.change_{meta.model_name}"]


def export_permissions(kind):
    meta = schema_for(kind).model._meta
    return [EXPORT, f"{meta.app_label}.view_{meta.model_name}"]


def may_import(user, kind) -> bool:
    return user is not None and user.is_authenticated and user.has_perms(import_permissions(kind))


def may_export(user, kind) -> bool:
    return user is not None and user.is_authenticated and user.has_perms(export_permissions(kind))


def import_units(user):
    """The units a user may import into (their own unit and the towns/villages under it), most general first."""
    return Unit.objects.restrict(user).filter(is_active=True).exclude(level="village").order_by("code") \
        if not scoping.scope_of(user).is_empty else Unit.objects.none()


def default_unit(user):
    unit = getattr(user, "unit", None)
    if unit is not None:
        return unit
    return import_units(user).first()


def check_may_import(user, kind, unit):
    if user is None:  # manage.py import_ledger without --user: an operator on the server
        return
    if not may_import(user, kind):
        raise ImportRefused(_("您没有导入%(l)s的权限。") % {"l": KIND_LABELS[kind]})
    if unit is not None and not scoping.scope_of(user).covers_unit(unit):
        raise ImportRefused(_("“%(u)s”不在您的管辖范围内。") % {"u": unit.name})
    if unit is None and kind != "units":
        raise ImportRefused(_("请选择导入到哪个乡镇或村（社区）。"))


def permits(user, obj) -> bool:
    return True if user is None else scoping.permits(user, obj)


def within_unit(unit, obj) -> bool:
    """A row lands inside the unit the import is for (the clerk picked it, or it is their own)."""
    if unit is None:
        return True
    if unit.level == "county":
        return obj.county_id == unit.pk
    if unit.level == "town":
        return obj.town_id == unit.pk
    return getattr(obj, "village_id", None) == unit.pk
