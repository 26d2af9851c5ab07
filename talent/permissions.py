"""Who does what with talent records (registered with organizations.roles at startup; scope comes from the scoping
layer): county roles everything, editing the time limits and the holiday calendar, the county administrator alone
the quota rules; a town clerk enters and updates in the own town; a village liaison reads; an outpost secretary
keeps the cases its branch cultivates; a host-place organization reads the people it co-manages and records their
inspections; a partner reads."""

from organizations.roles import ACTIONS, Role, model_permissions

DEVELOPMENT = ("developmentcase", "developmentstep", "stepparticipant")
PIPELINE = ("talent", "cultivationstage", "reservecadre", "returneeventure", "appointment", "nomination", "award",
            "branchcommittee")
CONFIG = ("timelimit", "publicholiday", "workdayadjustment")
# Extra permissions (QuotaRule.Meta, DevelopmentStep.Meta).
EVALUATE = "talent.evaluate_quotas"
UNDO = "talent.undo_developmentstep"


def _perms(model_names, actions=ACTIONS):
    return model_permissions("talent", model_names, actions)


READING = _perms(DEVELOPMENT + PIPELINE + ("quotaresult", "quotarule", "timelimit"), ("view",))
# Cases are closed with a reason, never deleted; a step is a record of what happened — never changed, and only the
# last one undone, with a reason, by the county (UNDO). Time limits are edited, never added or removed.
DEVELOPMENT_KEEPING = _perms(("developmentcase",), ("view", "add", "change")) | _perms(("developmentstep",),
                                                                                     ("view", "add"))
COUNTY = (DEVELOPMENT_KEEPING | _perms(("stepparticipant",), ("view",)) | _perms(PIPELINE)
          | _perms(("publicholiday", "workdayadjustment")) | _perms(("timelimit",), ("view", "change"))
          | {"talent.view_quotaresult", EVALUATE, UNDO})

ROLE_GRANTS = {
    Role.COUNTY_ADMIN: COUNTY | _perms(("quotarule",)),
    Role.COUNTY_STAFF: COUNTY | {"talent.view_quotarule"},
    Role.TOWN_CLERK: READING | DEVELOPMENT_KEEPING | _perms(PIPELINE, ("add", "change"))
    | _perms(("publicholiday", "workdayadjustment"), ("view",)),
    Role.VILLAGE_LIAISON: READING,
    Role.OUTPOST_SECRETARY: DEVELOPMENT_KEEPING | _perms(("stepparticipant", "quotaresult", "quotarule", "timelimit"),
                                                         ("view",)),
    Role.HOST_ORGANIZATION: _perms(("developmentcase", "stepparticipant", "timelimit"), ("view",))
    | _perms(("developmentstep",), ("view", "add")),
    Role.PARTNER: READING,
}
