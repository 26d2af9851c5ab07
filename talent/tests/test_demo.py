"""The demo's talent data on a small county: every case recorded under the rules, shortfalls to show."""

import datetime
import random

import pytest
from django.db.models import Count
from freezegun import freeze_time

from organizations.models import PartyOrganization, Unit
from talent import demo
from talent.models import DevelopmentCase, QuotaResult, QuotaRule, ReserveCadre, ReturneeVenture, Talent
from talent.tests.helpers import born_id
from tests.factories import member, worker

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def county(w):
    """Three villages with a branch under the town committee, old full members, workers willing to join."""
    village_c = Unit.objects.create(code="610924100203", name="南山村")
    PartyOrganization.objects.create(name="南山村党支部", home_unit=village_c, parent=w.committee_a)
    for village in (w.village_a, w.village_a2, village_c):
        branch = PartyOrganization.objects.filter(home_unit=village).first() or PartyOrganization.objects.create(
            name=f"{village.name}党支部", home_unit=village)
        if branch.parent_id is None:
            branch.parent = w.committee_a
            branch.save()
        for i in range(4):
            member(w.town_a, village, branch, name=f"老党员{i}", joined_on=D(2005, 7, 1), full_member_on=D(2006, 7, 1),
                   id_number=born_id(D(1970, 1, 1)))
        for i in range(12):
            worker(w.town_a, village, name=f"青年{i}", party_wish="yes", political_status="masses",
                   return_intention="returned" if i % 3 == 0 else "none", id_number=born_id(D(1992, 5, 5)))
    return w.county


def test_demo_load(county, w):
    with freeze_time("2027-06-01"):
        demo.load(county=county, rng=random.Random(7))
    assert Talent.objects.filter(village__code="610924100203").exists()
    assert ReturneeVenture.objects.count() == 279
    assert set(ReturneeVenture.objects.values_list("kind", flat=True)) == {
        "cooperative", "family_farm", "enterprise", "community_factory"}
    cases = DevelopmentCase.objects.all()
    assert cases.count() >= 6 and cases.values("current_step").distinct().count() >= 5
    for case in cases:
        steps = list(case.steps.order_by("id").values_list("step", flat=True))
        assert steps[0] == 1 and steps[-1] == case.current_step and case.activist.stage
    assert ReserveCadre.objects.values("year").annotate(n=Count("id")).count() == 2
    assert QuotaResult.objects.filter(rule__code="village-reserve-cadres").exists()
    assert not QuotaRule.objects.filter(last_status="error").exists()
