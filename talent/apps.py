from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

DEVELOPMENT = ("developmentcase", "developmentstep", "stepparticipant")
PIPELINE = ("talent", "cultivationstage", "reservecadre", "returneeventure", "appointment", "nomination", "award",
            "branchcommittee")
CONFIG = ("timelimit", "publicholiday", "workdayadjustment")
EVALUATE = "talent.evaluate_quotas"
UNDO = "talent.undo_developmentstep"


def _perms(models_, actions=("view", "add", "change", "delete")):
    return {f"talent.{action}_{model}" for model in models_ for action in actions}


def role_permissions():
    """Who does what with talent records (scope comes from the scoping layer): county roles everything, editing the
    time limits and the holiday calendar, the county administrator alone the quota rules; a town clerk enters and
    updates in the own town; a village liaison reads; an outpost secretary keeps the cases its branch cultivates; a
    host-place organization reads the people it co-manages and records their inspections; a partner reads."""
    from organizations.roles import Role

    reading = _perms(DEVELOPMENT + PIPELINE + ("quotaresult", "quotarule", "timelimit"), ("view",))
    # Cases are closed with a reason, never deleted; a step is a record of what happened — never changed, and only
    # the last one undone, with a reason, by the county (UNDO). Time limits are edited, never added or removed.
    development = _perms(("developmentcase",), ("view", "add", "change")) | _perms(("developmentstep",),
                                                                                 ("view", "add"))
    county = (development | _perms(("stepparticipant",), ("view",)) | _perms(PIPELINE)
              | _perms(("publicholiday", "workdayadjustment")) | _perms(("timelimit",), ("view", "change"))
              | {"talent.view_quotaresult", EVALUATE, UNDO})
    return {
        Role.COUNTY_ADMIN: county | _perms(("quotarule",)),
        Role.COUNTY_STAFF: county | {"talent.view_quotarule"},
        Role.TOWN_CLERK: reading | development | _perms(PIPELINE, ("add", "change"))
        | _perms(("publicholiday", "workdayadjustment"), ("view",)),
        Role.VILLAGE_LIAISON: reading,
        Role.OUTPOST_SECRETARY: development | _perms(("stepparticipant", "quotaresult", "quotarule", "timelimit"),
                                                     ("view",)),
        Role.HOST_ORGANIZATION: _perms(("developmentcase", "stepparticipant", "timelimit"), ("view",))
        | _perms(("developmentstep",), ("view", "add")),
        Role.PARTNER: reading,
    }


class TalentConfig(AppConfig):
    name = "talent"
    verbose_name = _("发展党员与人才")

    def ready(self):
        from organizations.roles import register_permissions
        from talent import metrics  # noqa: F401  (registers the talent, ledger and organization quota metrics)

        register_permissions(role_permissions())
