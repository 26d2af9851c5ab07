"""What each role may do with the services app's records (registered with organizations.roles at startup). Where a
role may act is the scoping layer's business: a town clerk's "change" reaches only records of the town, a host-place
organization's "add" only the people it co-manages (seed 003), an outpost secretary's only its branch."""

from organizations.roles import ACTIONS, Role, model_permissions

ALL = ACTIONS
MODELS = ("liaisonrecord", "servicecase", "training", "trainingattendee", "jobfair", "employmentagreement",
          "outreachcampaign", "videolesson", "funding", "orgliferecord", "duespayment", "memberevaluation",
          "activistinspection", "mobilecertificate", "relationtransfer")
CO_MANAGEMENT = ("orgliferecord", "duespayment", "memberevaluation", "activistinspection")


def perms(model_names, actions):
    return model_permissions("services", model_names, actions)


ROLE_GRANTS = {
    Role.COUNTY_ADMIN: perms(MODELS, ALL),
    Role.COUNTY_STAFF: perms(MODELS, ALL),
    Role.TOWN_CLERK: perms(MODELS, ("view", "add", "change")),
    Role.VILLAGE_LIAISON: perms(MODELS, ("view",)),
    Role.HOST_ORGANIZATION: perms(CO_MANAGEMENT, ("view", "add")) | perms(("liaisonrecord",), ("view",)),
    Role.OUTPOST_SECRETARY: perms(("liaisonrecord", "servicecase", "orgliferecord", "activistinspection",
                                   "videolesson"), ("view", "add", "change"))
    | perms(("trainingattendee", "funding", "relationtransfer", "duespayment"), ("view",)),
    Role.ENTERPRISE_LIAISON: perms(("employmentagreement",), ("view",)),
    Role.PARTNER: perms(MODELS, ("view",)),
}
