"""``manage.py create_api_client`` as the county's operator runs it (CONTRACT.md "Auth")."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.models import ApiClient
from organizations.roles import Role
from zyparty import scoping

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_client", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_unit_scoped_read_only_key(world):
    key, message = run("人社局系统", "--scope", "610924100", "--read-only")
    assert key.startswith("zyp_") and "\n" not in key  # only the key on stdout, for scripts
    assert "只读" in message and "城关镇" in message
    client = ApiClient.objects.get(name="人社局系统")
    assert client.read_only and client.user.role == Role.PARTNER and client.user.unit == world.town_a
    assert not client.user.has_usable_password()
    assert abs((client.expires_at - timezone.now()) - datetime.timedelta(days=365)) < datetime.timedelta(minutes=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/workers/").json()["count"] == 2
    assert api.post("/api/v1/workers/", {}, format="json").status_code == 403


def test_organization_scoped_key_without_expiry(world):
    key, _message = run("驻杭党委系统", "--scope", f"org:{world.outpost_a.pk}", "--expires-days", "0")
    client = ApiClient.objects.get(name="驻杭党委系统")
    assert client.expires_at is None and not client.read_only
    assert scoping.scope_of(client.user).organization == frozenset({world.outpost_a.pk})
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    names = {m["name"] for m in api.get("/api/v1/members/").json()["results"]}
    assert names == {"李四"}


@pytest.mark.parametrize("args,message", [
    (["x", "--scope", "999999999"], "不存在"),
    (["x", "--scope", "org:abc"], "数字"),
    (["x", "--scope", "org:999999"], "不存在"),
    (["x", "--scope", "610924", "--expires-days", "-1"], "负数"),
])
def test_bad_arguments_are_refused_in_chinese(world, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiClient.objects.exists()


def test_names_are_unique(world):
    run("人社局系统", "--scope", "610924")
    with pytest.raises(CommandError, match="已存在"):
        run("人社局系统", "--scope", "610924")
