"""The whole demo county, small: every part loads, and the statistics report has the figures it divides by."""

import pytest
from django.utils import timezone

from organizations.models import CountyYearFigures
from overview.demo import load_demo

pytestmark = pytest.mark.django_db


def test_small_demo_county_loads_with_its_yearly_figures():
    result = load_demo(workers=300, members=60, activists=20, enterprises=15)
    assert result.counts["workers"] == 300 and result.counts["towns"] >= 1
    figures = CountyYearFigures.objects.get(county=result.county, year=timezone.localdate().year)
    assert (figures.population, figures.party_members_total) == (350_000, 13_092)  # seed 001 §1
    assert {login[0] for login in result.logins} >= {"xianzzb", "chengguan"}
