"""A realistic demo county shaped like seed 001 §1 (``manage.py load_demo``): 紫阳县, 17 towns, 175 villages, about
80,000 migrant workers in many provinces and enterprises, about 1,200 migrant party members, activists and outpost
branches, then two years of services and of member development.

Each app contributes its own part, and this module puts them in order:

- ``organizations.demo``: units, party organizations, host-place partners, the service network, the county's yearly
  figures and one login per role;
- ``ledgers.demo``: the four ledgers, the enterprises' liaisons and instructors;
- ``services.demo`` and ``talent.demo``: their records on the county just built.

Everything is generated and written with bulk inserts, so a fresh SQLite database is filled in well under a minute.
The parts draw from one seeded generator in a fixed order: two runs give the same county.
"""

from dataclasses import dataclass

from django.db import transaction

from ledgers.demo import LedgersDemo
from ledgers.models import Activist, PartyMember, Worker
from organizations.models import Unit
from services import demo as services_demo
from talent import demo as talent_demo
from zyparty import audit
from zyparty.models import AuditAction


@dataclass
class DemoResult:
    county: Unit
    counts: dict
    logins: list


class DemoBuilder(LedgersDemo):
    """The builders of the organizations and ledgers parts in one (``load_demo`` calls them in turn; tests build a
    small county step by step with it)."""

    def network(self, county, towns, villages, enterprises):
        """The whole service network: the county's centre, stations and points, then the enterprises' liaisons."""
        self.service_network(county, towns, villages)
        self.enterprise_network(county, enterprises)


@transaction.atomic
def load_demo(**sizes) -> DemoResult:
    builder = DemoBuilder(**sizes)
    county, towns, villages = builder.units()
    committees, branches, hosts, outposts = builder.organizations(county, towns, villages)
    enterprises = builder.enterprises(county, towns)
    builder.workers(towns, villages, enterprises)
    builder.members(towns, villages, branches, outposts, hosts)
    builder.activists(towns, villages, branches, outposts)
    builder.network(county, towns, villages, enterprises)
    builder.county_figures(county)
    logins = builder.users(county, towns, villages, hosts, outposts)
    for part in (services_demo, talent_demo):
        part.load(county=county, rng=builder.rng)
    counts = {"towns": len(towns), "villages": len(villages), "workers": Worker.objects.count(),
              "enterprises": len(enterprises), "members": PartyMember.objects.count(),
              "activists": Activist.objects.count(), "outposts": len(outposts)}
    audit.record(AuditAction.SYSTEM, county, detail=f"load_demo {counts}")
    return DemoResult(county=county, counts=counts, logins=logins)
