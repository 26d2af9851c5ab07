"""Shared fixtures: a small county with two towns, users of every role, and API clients."""

import pytest
from rest_framework.test import APIClient

from tests.factories import World


@pytest.fixture
def world(db):
    return World.build()


@pytest.fixture
def api():
    return APIClient()
