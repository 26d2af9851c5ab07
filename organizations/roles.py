"""Roles, what each may do, and what part of the county each sees.

A user holds exactly one role, so the three separated administrator roles (三权分立: system, security, audit)
can never be held together. Permissions are data here, read by ``organizations.auth.RoleBackend``; Django's
per-user permission tables are not used.
"""

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

_ALL = ("view", "add", "change", "delete")
LEDGERS = ("worker", "hostenterprise", "partymember", "activist")
ORGANIZATIONS = ("unit", "partyorganization", "hostplaceorganization", "comanagementagreement", "servicepoint",
                 "partyinstructor", "jointmeeting")


def _perms(app, models_, actions=_ALL):
    return {f"{app}.{action}_{model}" for model in models_ for action in actions}


# Extra permissions (defined in Meta.permissions of the ledgers app).
UNMASK = "ledgers.unmask_personal_data"
EXPORT = "ledgers.export_ledger"
IMPORT = "ledgers.import_ledger"

# Import batches (who imported which file, when, with what counts; issue 4) are read by the roles that import.
IMPORT_BATCHES = {"ledgers.view_importbatch"}

# Domain apps added later (services, talent) extend these sets through ``register_permissions``.
ROLE_PERMISSIONS: dict[str, set] = {
    Role.COUNTY_ADMIN: _perms("ledgers", LEDGERS) | _perms("organizations", ORGANIZATIONS) | {UNMASK, EXPORT, IMPORT}
    | IMPORT_BATCHES,
    Role.COUNTY_STAFF: _perms("ledgers", LEDGERS) | _perms("organizations", ORGANIZATIONS, ("view",))
    | _perms("organizations", ("partyorganization", "hostplaceorganization", "comanagementagreement",
                                "servicepoint", "partyinstructor", "jointmeeting"), ("add", "change"))
    | {UNMASK, EXPORT, IMPORT} | IMPORT_BATCHES,
    Role.TOWN_CLERK: _perms("ledgers", LEDGERS) | _perms("organizations", ORGANIZATIONS, ("view",))
    | _perms("organizations", ("servicepoint",), ("add", "change")) | {UNMASK, EXPORT, IMPORT} | IMPORT_BATCHES,
    Role.VILLAGE_LIAISON: _perms("ledgers", ("worker", "partymember", "activist"), ("view", "change"))
    | _perms("ledgers", ("worker",), ("add",)) | _perms("organizations", ("unit", "partyorganization"), ("view",)),
    Role.ENTERPRISE_LIAISON: _perms("ledgers", LEDGERS, ("view", "change"))
    | _perms("organizations", ("unit", "partyorganization"), ("view",)),
    Role.OUTPOST_SECRETARY: _perms("ledgers", ("partymember", "activist"), ("view", "change"))
    | _perms("organizations", ("unit", "partyorganization"), ("view",)),
    Role.HOST_ORGANIZATION: _perms("ledgers", ("partymember", "activist"), ("view",)),
    Role.PARTNER: _perms("ledgers", LEDGERS) | _perms("organizations", ("unit", "partyorganization"), ("view",)),
    # 三权分立 (等保三级 8.1.4.2 访问控制 d/e; SECURITY.md "access"): the system administrator runs accounts and
    # schedules, the security administrator grants roles, keys, second factors and lifts lockouts, the auditor
    # reads the audit trail. None of them sees a ledger, and only the auditor sees the trail, read-only. Accounts
    # are deactivated, never deleted, so the trail keeps meaning; keys are created by `create_api_client` only.
    Role.SYSTEM_ADMIN: _perms("organizations", ("user",), ("view", "add", "change"))
    | _perms("django_celery_beat", ("periodictask", "crontabschedule", "intervalschedule", "solarschedule",
                                    "clockedschedule")),
    Role.SECURITY_ADMIN: _perms("organizations", ("user",), ("view", "change"))
    | _perms("organizations", ("apiclient",), ("view", "change"))
    | _perms("otp_totp", ("totpdevice",))
    | _perms("axes", ("accessattempt",), ("view", "delete")) | _perms("axes", ("accesslog", "accessfailurelog"),
                                                                      ("view",)),
    Role.AUDITOR: {"zyparty.view_auditentry"},
}


def register_permissions(mapping):
    """Let a domain app grant its own model permissions to roles: ``{role: {"app.action_model", ...}}``.

    The three administrator roles and the audit trail are defined above only: a domain app granting anything to
    them, or any right on the audit trail, breaks the separation of duties (三权分立) and is refused at startup."""
    from django.core.exceptions import ImproperlyConfigured

    for role, perms in mapping.items():
        if role in ADMIN_ROLES:
            raise ImproperlyConfigured(f"{role}: administrator roles get no domain permissions (三权分立)")
        audit_perms = {p for p in perms if p.startswith("zyparty.") and p.endswith("_auditentry")}
        if audit_perms:
            raise ImproperlyConfigured(f"{sorted(audit_perms)}: only the auditor reads the audit trail")
        ROLE_PERMISSIONS.setdefault(role, set()).update(perms)


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
