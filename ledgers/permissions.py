"""What may be done with the four ledgers, and by which role (registered with organizations.roles at startup).

Where a role may act is the scoping layer's business: a town clerk's "change" reaches only the people of the town,
an enterprise liaison's only the workers of its enterprise, an outpost secretary's only its branch's members.
"""

from organizations.roles import ACTIONS, Role, model_permissions

LEDGERS = ("worker", "hostenterprise", "partymember", "activist")
# Extra permissions (Worker.Meta.permissions): seeing personal data in clear, and moving ledgers in and out.
UNMASK = "ledgers.unmask_personal_data"
EXPORT = "ledgers.export_ledger"
IMPORT = "ledgers.import_ledger"
# Import batches (who imported which file, when, with what counts; issue 4) are read by the roles that import.
IMPORT_BATCHES = {"ledgers.view_importbatch"}


def perms(model_names, actions=ACTIONS):
    return model_permissions("ledgers", model_names, actions)


KEEPERS = perms(LEDGERS) | {UNMASK, EXPORT, IMPORT} | IMPORT_BATCHES
# The county's own words for coded values (ValueSynonym, issue 14): county staff keep them; town clerks read them,
# since they meet them in their imports.
SYNONYMS = perms(("valuesynonym",), ("view", "add", "change"))

ROLE_GRANTS = {
    Role.COUNTY_ADMIN: KEEPERS | perms(("valuesynonym",)),
    Role.COUNTY_STAFF: KEEPERS | SYNONYMS,
    Role.TOWN_CLERK: KEEPERS | perms(("valuesynonym",), ("view",)),
    Role.VILLAGE_LIAISON: perms(("worker", "partymember", "activist"), ("view", "change"))
    | perms(("worker",), ("add",)),
    Role.ENTERPRISE_LIAISON: perms(LEDGERS, ("view", "change")),
    Role.OUTPOST_SECRETARY: perms(("partymember", "activist"), ("view", "change")),
    Role.HOST_ORGANIZATION: perms(("partymember", "activist"), ("view",)),
    Role.PARTNER: perms(LEDGERS),
}
