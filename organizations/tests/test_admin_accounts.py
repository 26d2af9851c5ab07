"""Bootstrapping the three administrators without a superuser (SECURITY.md "accounts", "2FA")."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from organizations.models import User
from organizations.roles import Role
from zyparty.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def test_first_security_administrator_signs_in_changes_password_then_passes_totp(db):
    out = io.StringIO()
    call_command("create_admin_account", "li_anquan", "--role", "security_admin", "--name", "李安全", stdout=out,
                 stderr=io.StringIO())
    password = out.getvalue().strip()
    admin_user = User.objects.get(username="li_anquan")
    assert admin_user.role == Role.SECURITY_ADMIN and not admin_user.is_superuser and admin_user.is_staff
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_repr="li_anquan").exists()
    device_out = io.StringIO()
    call_command("add_totp_device", "li_anquan", stdout=device_out)
    assert TOTPDevice.objects.filter(user=admin_user, confirmed=True).count() == 1
    client = Client()
    assert client.post("/accounts/login/", {"username": "li_anquan", "password": password}).status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/?expired=1"


@pytest.mark.parametrize("args,message", [(["admin", "--role", "auditor"], "默认"),
                                          (["Root", "--role", "system_admin"], "默认")])
def test_default_names_are_refused(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_admin_account", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not User.objects.exists()


def test_business_roles_are_not_made_here(db):
    with pytest.raises(CommandError):
        call_command("create_admin_account", "zhangsan", "--role", "town_clerk", stdout=io.StringIO(),
                     stderr=io.StringIO())
