"""Roles, what each may do, and what part of the county each sees.

A user holds exactly one role, so the three separated administrator roles (三权分立: system, security, audit)
can never be held together. Permissions are data here, read by ``organizations.auth.RoleBackend``; Django's
per-user permission tables are not used.

How the grants compose
----------------------
The roles are defined here; each app names its own permissions, and says which roles get which of them, in its own
``permissions.py`` (``organizations``, ``ledgers``, ``services``, ``talent``), as a ``ROLE_GRANTS`` mapping
``{role: {"app.action_model", ...}}``. The app registers it from its ``AppConfig.ready()`` with
:func:`register_permissions` — the way apps register their admin pages or signal receivers — so this module never
imports an app above it, and an app that is not installed grants nothing. ``ROLE_PERMISSIONS`` is complete once
``django.setup()`` has run (every ``ready()`` has), before any request, task or test reads it.

The administrator roles get their rights from ``organizations.permissions.ADMINISTRATOR_GRANTS`` only, through
:func:`grant_administrators`; :func:`register_permissions` refuses to give them anything, and refuses any right on
the audit trail, so no app can widen the separation of duties.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

from zyparty.scoping import NOTHING, Scope


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县级业务管理员")
    COUNTY_STAFF = "county_staff", _("县委组织部工作人员")
    TOWN_CLERK = "town_clerk", _("镇流动党员服务站管理员")
    VILLAGE_LIAISON = "village_liaison", _("村流动党员联络点负责人")
    ENTERPRISE_LIAISON = "enterprise_liaison", _("企业党建联络员")
    OUTPOST_SECRETARY = "outpost_secretary", _("驻外党支部书记")
    HOST_ORGANIZATION = "host_organization", _("流入地党组织")
    PARTNER = "partner", _("合作系统（接口）")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
UNIT_ROLES = {Role.COUNTY_ADMIN: "county", Role.COUNTY_STAFF: "county", Role.TOWN_CLERK: "town",
              Role.VILLAGE_LIAISON: "village"}

ACTIONS = ("view", "add", "change", "delete")

# Filled at startup by the apps' ready() (see the module docstring); every role has an entry, empty until then.
ROLE_PERMISSIONS: dict[str, set] = {role: set() for role in Role}


def model_permissions(app_label, model_names, actions=ACTIONS) -> set:
    """``{"app.action_model", ...}`` for each model and action: how a permissions module spells its grants."""
    return {f"{app_label}.{action}_{model}" for model in model_names for action in actions}


def _audit_trail_rights(perms):
    return {p for p in perms if p.startswith("zyparty.") and p.endswith("_auditentry")}


def register_permissions(mapping):
    """Let an app grant its own permissions to roles: ``{role: {"app.action_model", ...}}``.

    The three administrator roles and the audit trail are granted by organizations.permissions alone: an app
    granting anything to them, or any right on the audit trail, breaks the separation of duties (三权分立) and is
    refused at startup."""
    for role, perms in mapping.items():
        if role not in ROLE_PERMISSIONS:
            raise ImproperlyConfigured(f"{role}: no such role")
        if role in ADMIN_ROLES:
            raise ImproperlyConfigured(f"{role}: administrator roles get no domain permissions (三权分立)")
        audit_perms = _audit_trail_rights(perms)
        if audit_perms:
            raise ImproperlyConfigured(f"{sorted(audit_perms)}: only the auditor reads the audit trail")
        ROLE_PERMISSIONS[role].update(perms)


def grant_administrators(mapping):
    """The rights of the three administrator roles (organizations.permissions.ADMINISTRATOR_GRANTS), given by the
    organizations app at startup. Only those roles are accepted here, and only the auditor reads the trail."""
    for role, perms in mapping.items():
        if role not in ADMIN_ROLES:
            raise ImproperlyConfigured(f"{role}: not an administrator role; use register_permissions")
        if role != Role.AUDITOR and _audit_trail_rights(perms):
            raise ImproperlyConfigured(f"{role}: only the auditor reads the audit trail")
        ROLE_PERMISSIONS[role].update(perms)


def scope_for_user(user) -> Scope:
    """The grants that follow from a user's role and place (see zyparty.scoping)."""
    role = user.role
    if role in UNIT_ROLES or role == Role.PARTNER:
        unit = user.unit
        if unit is not None:
            if unit.level == "county":
                return Scope(county=frozenset({unit.pk}))
            if unit.level == "town":
                return Scope(town=frozenset({unit.pk}))
            return Scope(village=frozenset({unit.pk}))
    if role in (Role.ENTERPRISE_LIAISON, Role.OUTPOST_SECRETARY, Role.PARTNER):
        grants = {}
        if user.organization_id:
            grants["organization"] = frozenset({user.organization_id})
        if user.enterprise_id:
            grants["enterprise"] = frozenset({user.enterprise_id})
        return Scope(**grants) if grants else NOTHING
    if role == Role.HOST_ORGANIZATION and user.host_organization_id:
        return Scope(host_organization=frozenset({user.host_organization_id}))
    return NOTHING
