import pytest
from freezegun import freeze_time

from talent.tests.helpers import TODAY, setup_organizations


@pytest.fixture
def frozen(monkeypatch):
    """"Today" for the rules (no step in the future) and the reminders. DRF's throttle keeps ``time.time`` as a
    class attribute, which freezegun would turn into a method: give it a plain clock."""
    from rest_framework.throttling import SimpleRateThrottle

    with freeze_time(TODAY):
        monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 1_800_000_000.0))
        yield


@pytest.fixture
def w(world):
    setup_organizations(world)
    return world
