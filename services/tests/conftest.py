import pytest

from services.tests.factories import agreement, more_users


@pytest.fixture
def sw(world):
    """The shared World plus agreements town A ↔ host A and town B ↔ host B, and more users for scoping."""
    more_users(world)
    world.agreement_a = agreement(world.town_a, world.host_a, organization=world.outpost_a)
    world.agreement_b = agreement(world.town_b, world.host_b)
    return world
