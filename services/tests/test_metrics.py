"""Quota metrics registered by the services app (zyparty.quotas), computed in one grouped query per batch."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import PartyOrganization
from services.tests.factories import agreement, liaison, secretary_trained, training
from zyparty.quotas import metric

pytestmark = pytest.mark.django_db
D = datetime.date


def test_agreement_liaisons(sw):
    in_year = [liaison(sw.town_a, sw.host_a, held_on=D(2025, 1, 1)), liaison(sw.town_a, sw.host_a,
                                                                             held_on=D(2025, 12, 31))]
    liaison(sw.town_a, sw.host_a, held_on=D(2024, 12, 31))  # before the period
    liaison(sw.town_a, sw.host_b, held_on=D(2025, 5, 1))  # another pair
    liaison(sw.town_a, None, organization=sw.outpost_a, held_on=D(2025, 5, 1))  # with the outpost, not the host
    third = agreement(sw.town_b, sw.host_a)  # no liaison at all
    m = metric("agreement_liaisons")
    assert m.subject == "agreement"
    subjects = [sw.agreement_a, sw.agreement_b, third]
    with CaptureQueriesContext(connection) as ctx:
        result = m.function(subjects, D(2025, 1, 1), D(2025, 12, 31))
    assert len(ctx.captured_queries) == 1
    assert result[sw.agreement_a.pk].value == 2
    assert result[sw.agreement_a.pk].evidence == [("services.liaisonrecord", r.pk) for r in in_year]
    assert result[sw.agreement_b.pk].value == 0 and result[third.pk].value == 0


def test_outpost_secretary_trainings(sw):
    second = PartyOrganization.objects.create(name="蒿坪镇驻深圳流动党员党支部", home_unit=sw.town_b, is_outpost=True,
                                              host_place_code="440306", host_partner=sw.host_b)
    this_year = secretary_trained(training(county=sw.county, held_on=D(2025, 10, 20)), sw.outpost_a)
    secretary_trained(training(county=sw.county, held_on=D(2024, 10, 20)), sw.outpost_a)
    m = metric("outpost_secretary_trainings")
    assert m.subject == "outpost"
    with CaptureQueriesContext(connection) as ctx:
        result = m.function([sw.outpost_a, second], D(2025, 1, 1), D(2025, 12, 31))
    assert len(ctx.captured_queries) == 1
    assert result[sw.outpost_a.pk].value == 1
    assert result[sw.outpost_a.pk].evidence == [("services.trainingattendee", this_year.pk)]
    assert result[second.pk].value == 0 and result[second.pk].evidence == []
