"""What may be done with the organizations app's records, and by which role (composed by organizations.roles).

Where a role may act is the scoping layer's business (organizations.roles.scope_for_user): a town clerk's "change"
of a service point reaches only the points of the town.

The administrator roles (三权分立: 等保三级 8.1.4.2 访问控制 d/e; SECURITY.md "access") get their rights here and
nowhere else: the accounts and API keys they run are this app's models, and the platform's schedules, second
factors, lockouts and audit trail are theirs alone.
"""

from organizations.roles import ACTIONS, Role, model_permissions

# The registry of the county: units, organizations, the service network and the county-level bodies.
REGISTRY = ("unit", "partyorganization", "hostplaceorganization", "comanagementagreement", "servicepoint",
            "partyinstructor", "jointmeeting")
# County staff keep the organizations and the network up to date; the units come from the code list.
STAFF_EDITS = ("partyorganization", "hostplaceorganization", "comanagementagreement", "servicepoint",
               "partyinstructor", "jointmeeting")
# The county figures the ledgers cannot count, and the statistics report that divides by them
# (CountyYearFigures.Meta.permissions).
COUNTY_FIGURES = "countyyearfigures"
REPORT_PERMISSION = "organizations.view_statistics_report"


def perms(model_names, actions=ACTIONS):
    return model_permissions("organizations", model_names, actions)


READ_OWN_PLACE = perms(("unit", "partyorganization"), ("view",))

ROLE_GRANTS = {
    Role.COUNTY_ADMIN: perms(REGISTRY) | perms((COUNTY_FIGURES,)) | {REPORT_PERMISSION},
    Role.COUNTY_STAFF: perms(REGISTRY, ("view",)) | perms(STAFF_EDITS, ("add", "change"))
    | perms((COUNTY_FIGURES,), ("view", "add", "change")) | {REPORT_PERMISSION},
    Role.TOWN_CLERK: perms(REGISTRY, ("view",)) | perms(("servicepoint",), ("add", "change")) | {REPORT_PERMISSION},
    Role.VILLAGE_LIAISON: READ_OWN_PLACE | {REPORT_PERMISSION},
    Role.ENTERPRISE_LIAISON: READ_OWN_PLACE,
    Role.OUTPOST_SECRETARY: READ_OWN_PLACE,
    Role.PARTNER: READ_OWN_PLACE,
}

# The system administrator runs accounts and schedules, the security administrator grants roles, keys, second
# factors and lifts lockouts, the auditor reads the audit trail. None of them sees a ledger, and only the auditor
# sees the trail, read-only. Accounts are deactivated, never deleted, so the trail keeps meaning; keys are created
# by `create_api_client` only.
ADMINISTRATOR_GRANTS = {
    Role.SYSTEM_ADMIN: perms(("user",), ("view", "add", "change"))
    | model_permissions("django_celery_beat", ("periodictask", "crontabschedule", "intervalschedule",
                                               "solarschedule", "clockedschedule")),
    Role.SECURITY_ADMIN: perms(("user",), ("view", "change")) | perms(("apiclient",), ("view", "change"))
    | model_permissions("otp_totp", ("totpdevice",))
    | model_permissions("axes", ("accessattempt",), ("view", "delete"))
    | model_permissions("axes", ("accesslog", "accessfailurelog"), ("view",)),
    Role.AUDITOR: {"zyparty.view_auditentry"},
}
