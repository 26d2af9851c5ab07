"""How plumbing learns about the domain without importing it (docs/ARCHITECTURE.md): the settings of the "Plumbing
learns about the domain" block are what plumbing reads, the ``access_ended`` signal reaches the app owning sessions
and keys, and the backup check finds the encrypted ID numbers through the app registry."""

import copy

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from rest_framework.test import APIClient

from ledgers.permissions import UNMASK
from organizations.apikeys import api_client_create
from organizations.models import ApiClient, HostPlaceOrganization, Unit
from organizations.roles import Role
from tests import matrix
from zyparty import backups, checks, events
from zyparty.api.serializers import UnitCodeField, scoped_choices
from zyparty.units import unit_by_code, unit_model

pytestmark = pytest.mark.django_db


def no_client(key):
    """A key resolver that knows no key (returns None)."""


# The unit model ------------------------------------------------------------------------------------------------------
def test_the_unit_model_is_the_one_settings_name(world):
    assert unit_model() is Unit
    assert unit_by_code("610924100") == world.town_a and unit_by_code("000000") is None


@pytest.mark.parametrize("label, message", [("organizations", "form"), ("organizations.Nothing", "not been installed")])
def test_a_unit_model_misnamed_in_settings_is_reported(label, message):
    with override_settings(ZYPARTY_UNIT_MODEL=label), pytest.raises(ImproperlyConfigured, match=message):
        unit_model()


def test_a_unit_field_declared_before_the_models_are_loaded_takes_its_queryset_later(monkeypatch):
    with monkeypatch.context() as early:
        early.setattr(apps, "models_ready", False)  # a serializer module imported while the registry loads
        single, many = UnitCodeField(), UnitCodeField(many=True)
        read_only = UnitCodeField(read_only=True)
    assert single.queryset is None and many.child_relation.queryset is None
    # Each serializer instance works on copies of its declared fields, made once the registry is ready.
    assert copy.deepcopy(single).queryset.model is Unit
    assert copy.deepcopy(many).child_relation.queryset.model is Unit
    assert copy.deepcopy(read_only).queryset is None
    assert single.get_queryset().model is Unit and read_only.get_queryset() is None


# Settings read by plumbing -----------------------------------------------------------------------------------------
def test_the_unmask_permission_is_the_one_settings_name(world, settings):
    assert settings.ZYPARTY_UNMASK_PERMISSION == UNMASK
    url = f"/api/v1/workers/{world.workers['a'].pk}/"
    clerk = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    assert clerk.get(url, {"unmask": "1", "reason": "核实"}).status_code == 200
    settings.ZYPARTY_UNMASK_PERMISSION = "ledgers.a_permission_no_role_holds"
    assert clerk.get(url, {"unmask": "1", "reason": "核实"}).status_code == 403
    admin = matrix.login(Client(), world.users[Role.TOWN_CLERK])
    assert admin.get(f"/admin/ledgers/worker/{world.workers['a'].pk}/unmask/").status_code == 403


def test_api_keys_are_resolved_by_the_function_settings_name(world, settings):
    _client, key = api_client_create(name="人社局系统", unit=world.town_a, read_only=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/workers/").status_code == 200
    settings.ZYPARTY_API_KEY_RESOLVER = f"{__name__}.no_client"
    assert api.get("/api/v1/workers/").status_code == 401


def test_county_wide_choices_are_the_models_settings_name(world, settings):
    clerk = world.users[Role.TOWN_CLERK]  # town A
    units = scoped_choices(Unit.objects.all(), clerk)
    assert world.village_b in units and world.other_county not in units
    assert set(scoped_choices(HostPlaceOrganization.objects.all(), clerk)) == {world.host_a, world.host_b}
    settings.ZYPARTY_COUNTY_WIDE_CHOICES = []
    clerk = type(clerk).objects.get(pk=clerk.pk)  # a fresh user object: scopes are cached per object
    units = scoped_choices(Unit.objects.all(), clerk)
    assert world.village_a in units and world.village_b not in units


def test_the_settings_plumbing_reads_are_checked(settings):
    assert checks.check_domain_settings() == []
    settings.ZYPARTY_SCOPE_RESOLVER = "organizations.roles.no_such_function"
    settings.ZYPARTY_API_KEY_RESOLVER = "organizations.no_such_module.resolve"
    settings.ZYPARTY_UNIT_MODEL = "organizations.Nothing"
    settings.ZYPARTY_COUNTY_WIDE_CHOICES = ["organizations.Unit", "ledgers.Nothing"]
    settings.ZYPARTY_UNMASK_PERMISSION = "ledgers.unmask_everything"
    found = [error.id for error in checks.check_domain_settings()]
    assert found == ["zyparty.E003", "zyparty.E003", "zyparty.E004", "zyparty.E005", "zyparty.E006"]


# Ending access -----------------------------------------------------------------------------------------------------
def test_ending_access_is_a_signal_the_account_owner_receives(world):
    sent = []

    def listen(sender, user, revoke_keys, **kwargs):
        sent.append((sender, user.username, revoke_keys))

    events.access_ended.connect(listen)
    try:
        client, _key = api_client_create(name="人社局", unit=world.town_a)
        partner = client.user
        partner.is_active = False
        partner.save()
        assert ApiClient.objects.get(pk=client.pk).revoked_at is not None

        clerk = world.clerk_b
        browser = Client()
        browser.force_login(clerk)
        clerk.delete()  # its sessions end with it; its keys would go by cascade
        assert not any(str(s.get_decoded().get("_auth_user_id")) == str(clerk.pk) for s in Session.objects.all())
    finally:
        events.access_ended.disconnect(listen)
    user_model = type(partner)
    assert sent == [(user_model, partner.username, True), (user_model, "clerk_b", False)]


# Backups -----------------------------------------------------------------------------------------------------------
def test_the_restore_check_finds_the_encrypted_id_numbers_through_the_registry():
    assert list(backups._person_tables()) == [
        ("ledgers_worker", "id_number", "id_digest"),
        ("ledgers_partymember", "id_number", "id_digest"),
        ("ledgers_activist", "id_number", "id_digest"),
    ]
