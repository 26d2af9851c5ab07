"""The demo services load fast, in bulk, and produce records that pass their own validation."""

import random

import pytest
from django.apps import apps

from ledgers.demo import LedgersDemo
from services import demo, reminders
from services.models import MobileCertificate, OrgLifeRecord, ServiceCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    builder = LedgersDemo(workers=600, members=80, activists=30, enterprises=30)
    county, towns, villages = builder.units()
    _committees, branches, hosts, outposts = builder.organizations(county, towns, villages)
    enterprises = builder.enterprises(county, towns)
    builder.workers(towns, villages, enterprises)
    builder.members(towns, villages, branches, outposts, hosts)
    builder.activists(towns, villages, branches, outposts)
    builder.users(county, towns, villages, hosts, outposts)
    return county


def test_demo_services_are_valid_and_reminders_settle(county):
    from django.utils import timezone

    counts = demo.load(county=county, rng=random.Random(7))
    assert counts["cases"] == demo.CASES and ServiceCase.objects.count() == demo.CASES
    assert all(counts[k] > 0 for k in ("liaisons", "trainings", "employment", "outreach", "co_management"))
    for model in apps.get_app_config("services").get_models():
        if not hasattr(model, "scope_paths"):
            continue
        sample = list(model.objects.order_by("?")[:15])
        assert sample, model
        for record in sample:
            record.full_clean()  # written in bulk, yet as the forms and the API would accept them
    cases = ServiceCase.objects.all()
    assert all(c.events.exists() for c in cases.order_by("?")[:20])
    recovered = sum(c.amount_recovered or 0 for c in cases)
    assert 30_000_000 < recovered < 80_000_000  # seed 001: 3,000 cases, about 50 million yuan
    member = OrgLifeRecord.objects.filter(attended=True).order_by("-held_on").first().member
    assert member.last_org_life_on == member.org_life_records.filter(attended=True).latest("held_on").held_on
    assert MobileCertificate.objects.filter(revoked=False).count() > 0
    assert sum(reminders.run_all(timezone.localdate()).values()) == 0  # load() already ran today's reminders
