"""Accounts, roles and sign-in (SECURITY.md "accounts", "sessions", "2FA", "access"; 等保三级 8.1.4.1 身份鉴别,
8.1.4.2 访问控制): one role per user and three separated administrators, audited account changes, deactivation that
ends sessions and keys, the deploy check against default accounts, password policy, lockout, idle timeout, password
age and the second factor for the administrator roles."""

import datetime
import importlib.util
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time
from rest_framework.test import APIClient

from organizations.apikeys import api_client_create
from organizations.models import ApiClient, User
from organizations.roles import ADMIN_ROLES, ROLE_PERMISSIONS, Role, register_permissions
from tests import matrix
from tests.factories import PASSWORD, user
from zyparty.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


# One role each; three separated administrators ---------------------------------------------------------------------
def test_a_user_holds_exactly_one_role():
    field = User._meta.get_field("role")
    assert field.get_internal_type() == "CharField" and not field.many_to_many and field.choices
    u = User(username="zhangsan", role=f"{Role.SYSTEM_ADMIN},{Role.AUDITOR}")
    with pytest.raises(ValidationError) as exc:
        u.full_clean(exclude=["password"])
    assert "role" in exc.value.message_dict


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_administrator_roles_are_never_superusers(db, role):
    u = user(f"u_{role}", role)
    u.is_superuser = True
    with pytest.raises(ValidationError):
        u.full_clean(exclude=["password"])
    u.save()
    assert not User.objects.get(pk=u.pk).is_superuser


def test_the_three_administrators_hold_separate_rights():
    system, security, auditor = (ROLE_PERMISSIONS[r] for r in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR))
    assert auditor == {"zyparty.view_auditentry"}  # reads the trail, nothing else
    assert not any("auditentry" in p for p in system | security)  # the others never touch it
    assert system & security <= {"organizations.view_user", "organizations.change_user"}  # each edits other fields
    assert not any(p.startswith(("otp_totp.", "axes.", "organizations.") ) and "user" not in p for p in system)
    assert not any(p.startswith("django_celery_beat.") for p in security)
    business = {p for p in system | security if p.startswith(("ledgers.", "services.", "talent."))}
    assert not business  # no administrator sees a ledger
    assert "organizations.add_user" in system and "organizations.add_user" not in security
    assert "otp_totp.add_totpdevice" in security and "otp_totp.add_totpdevice" not in system


@pytest.mark.parametrize("mapping", [{Role.AUDITOR: {"ledgers.view_worker"}},
                                     {Role.TOWN_CLERK: {"zyparty.view_auditentry"}}])
def test_domain_apps_cannot_widen_the_separation(mapping):
    with pytest.raises(ImproperlyConfigured):
        register_permissions(mapping)


# Account changes are audited; only the security administrator grants roles -----------------------------------------
def _user_form(u, **changes):
    data = {"username": u.username, "first_name": u.first_name, "last_name": u.last_name, "email": u.email,
            "phone": u.phone, "role": u.role, "unit": u.unit_id or "", "organization": u.organization_id or "",
            "enterprise": u.enterprise_id or "", "host_organization": u.host_organization_id or ""}
    if u.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_system_admin_creates_business_accounts_only(world):
    client = matrix.login(Client(), world.users[Role.SYSTEM_ADMIN])
    form = {"username": "wangwu", "password1": "Xinmima#2026", "password2": "Xinmima#2026", "first_name": "王五",
            "role": Role.TOWN_CLERK, "unit": world.town_b.pk}
    assert client.post("/admin/organizations/user/add/", form).status_code == 302
    created = User.objects.get(username="wangwu")
    assert created.role == Role.TOWN_CLERK and created.password_changed_at is None  # must choose their own
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="organizations.user", object_repr="wangwu")
    assert entry.actor_name == "sysadmin" and entry.changes["after"]["role"] == Role.TOWN_CLERK
    assert created.password not in json.dumps(entry.changes)
    refused = client.post("/admin/organizations/user/add/", {**form, "username": "zhaoliu", "role": Role.AUDITOR})
    assert refused.status_code == 200 and not User.objects.filter(username="zhaoliu").exists()


def test_only_the_security_admin_changes_roles_and_it_is_audited(world):
    clerk = world.clerk_b
    sysadmin = matrix.login(Client(), world.users[Role.SYSTEM_ADMIN])
    sysadmin.post(f"/admin/organizations/user/{clerk.pk}/change/", _user_form(clerk, role=Role.COUNTY_ADMIN,
                                                                                 unit=world.county.pk))
    assert User.objects.get(pk=clerk.pk).role == Role.TOWN_CLERK  # read-only for the system administrator
    security = matrix.login(Client(), world.users[Role.SECURITY_ADMIN])
    response = security.post(f"/admin/organizations/user/{clerk.pk}/change/",
                             _user_form(clerk, role=Role.COUNTY_ADMIN, unit=world.county.pk))
    assert response.status_code == 302
    assert User.objects.get(pk=clerk.pk).role == Role.COUNTY_ADMIN
    entry = AuditEntry.objects.filter(action=AuditAction.ROLE_CHANGE).latest("id")
    assert entry.actor_name == "secadmin" and entry.actor_role == Role.SECURITY_ADMIN
    assert entry.changes["changed"]["role"] == [Role.TOWN_CLERK, Role.COUNTY_ADMIN]
    assert entry.changes["changed"]["unit_id"] == [world.town_b.pk, world.county.pk]


def test_nobody_changes_their_own_role(world):
    me = world.users[Role.SECURITY_ADMIN]
    client = matrix.login(Client(), me)
    client.post(f"/admin/organizations/user/{me.pk}/change/", _user_form(me, role=Role.COUNTY_ADMIN,
                                                                          unit=world.county.pk))
    assert User.objects.get(pk=me.pk).role == Role.SECURITY_ADMIN


def test_account_details_and_passwords_are_the_system_admins(world):
    clerk = world.clerk_b
    security = matrix.login(Client(), world.users[Role.SECURITY_ADMIN])
    assert security.get(f"/admin/organizations/user/{clerk.pk}/password/").status_code == 403
    sysadmin = matrix.login(Client(), world.users[Role.SYSTEM_ADMIN])
    response = sysadmin.post(f"/admin/organizations/user/{clerk.pk}/password/",
                             {"password1": "Chongzhi#2026", "password2": "Chongzhi#2026", "usable_password": "true"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("Chongzhi#2026") and clerk.password_changed_at is None
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="organizations.user").latest("id")
    assert entry.changes["changed"]["password"][1].startswith("******")
    assert clerk.password not in json.dumps(entry.changes, ensure_ascii=False)


# Deactivation ends sessions and keys ------------------------------------------------------------------------------
def test_deactivation_ends_sessions_and_revokes_keys(world):
    clerk = world.clerk_b
    victim_client = Client()
    victim_client.force_login(clerk)
    assert victim_client.get("/admin/").status_code == 200
    client, key = api_client_create(name="人社局", unit=world.town_a)
    partner = client.user
    sysadmin = matrix.login(Client(), world.users[Role.SYSTEM_ADMIN])
    for target in (clerk, partner):
        response = sysadmin.post(f"/admin/organizations/user/{target.pk}/change/", _user_form(target, is_active=None))
        assert response.status_code == 302, response.content.decode()[:500]
    assert not any(str(s.get_decoded().get("_auth_user_id")) == str(clerk.pk) for s in Session.objects.all())
    assert victim_client.get("/admin/").status_code == 302
    assert ApiClient.objects.get(pk=client.pk).revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/workers/").status_code == 401
    assert AuditEntry.objects.filter(action=AuditAction.KEY, object_id=str(client.pk), detail__contains="revoked")


# Deploy check -----------------------------------------------------------------------------------------------------
def _production_settings(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 20 + "production-secret-key-for-the-deploy-check-0123456789")
    monkeypatch.setenv("ZYPARTY_DATA_KEY", settings.DATA_KEY)
    monkeypatch.setenv("ALLOWED_HOSTS", "party.example.cn")
    path = Path(settings.BASE_DIR) / "zyparty" / "settings_production.py"
    spec = importlib.util.spec_from_file_location("zyparty_settings_production_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    keep = ("DATABASES", "CACHES", "LOGGING", "STORAGES", "PASSWORD_HASHERS", "REST_FRAMEWORK", "CELERY_BROKER_URL")
    return {name: getattr(module, name) for name in dir(module)
            if name.isupper() and name not in keep and getattr(module, name) != getattr(settings, name, object())}


def test_production_settings_pass_the_deploy_check(db, monkeypatch):
    production = _production_settings(monkeypatch)
    assert production["SECURE_HSTS_SECONDS"] >= 31536000 and production["SESSION_COOKIE_SECURE"]
    with override_settings(**production):
        # The security-tagged checks: Django's deployment checklist, django-csp, django-axes and zyparty's own. CI runs
        # the full `check --deploy --fail-level WARNING` on top (.ci/run).
        call_command("check", "--tag", "security", deploy=True, fail_level="WARNING", stdout=open("/dev/null", "w"))


@pytest.mark.parametrize("username,superuser,code", [("admin", False, "zyparty.E002"), ("Root", False, "zyparty.E002"),
                                                     ("test", False, "zyparty.E002"),
                                                     ("zhangsan", True, "zyparty.E001")])
def test_deploy_check_fails_on_default_or_super_accounts(db, monkeypatch, username, superuser, code):
    u = User.objects.create(username=username)
    if superuser:
        User.objects.filter(pk=u.pk).update(is_superuser=True)
    with override_settings(**_production_settings(monkeypatch)):
        with pytest.raises(CommandError, match=code):
            call_command("check", "--tag", "security", deploy=True, fail_level="WARNING",
                         stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))


# Passwords ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("password,ok,why", [
    ("Zy@2026", False, "shorter than 8"),
    ("password", False, "common"),
    ("Password1", False, "common, even with 3 classes"),
    ("12345678", False, "numeric"),
    ("abcdefghij", False, "one class"),
    ("abcdefg123", False, "two classes"),
    ("Chengguan_ab1", False, "contains the username"),
    ("Xk3#clerk_a77", False, "contains the username"),
    ("Qingshan#2026", True, "long, four classes, not common"),
    ("hong8Shan9ye", True, "three classes"),
])
def test_password_policy(password, ok, why):
    account = User(username="chengguan_ab" if "Cheng" in password else "clerk_a", first_name="张", email="z@x.cn")
    if ok:
        validate_password(password, account)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, account)


def test_passwords_are_hashed_with_pbkdf2():
    from zyparty import settings as deployed  # the test settings use a fast hasher; deployments use these

    assert deployed.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert deployed.DEBUG is False or "ZYPARTY_DEBUG" in __import__("os").environ


# Lockout (django-axes) ---------------------------------------------------------------------------------------------
LOGIN_URLS = ["/accounts/login/", "/admin/login/"]


def _try(client, url, username, password, ip="10.1.1.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_five_failures_lock_the_account_for_15_minutes(world, client, url):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(client, url, "clerk_a", "Wrong#pass1", ip=f"10.9.9.{i}").status_code == 200
    assert _try(client, url, "clerk_a", "Wrong#pass1", ip="10.9.9.9").status_code == 429  # the fifth locks
    locked = _try(client, url, "clerk_a", PASSWORD, ip="10.8.8.8")  # right password, another address: still refused
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    assert locked["Retry-After"] == "900"
    with freeze_time(timezone.now() + datetime.timedelta(minutes=14)):
        assert _try(client, url, "clerk_a", PASSWORD, ip="10.8.8.8").status_code == 429
    with freeze_time(timezone.now() + datetime.timedelta(minutes=16)):
        assert _try(client, url, "clerk_a", PASSWORD, ip="10.8.8.8").status_code == 302
        assert client.session["_auth_user_id"] == str(world.users["town_clerk"].pk)


def test_five_failures_from_one_address_lock_that_address(world, client):
    for name in ("liaison_a", "ent_a", "outpost_a", "host_a", "county_staff"):
        _try(client, "/accounts/login/", name, "Wrong#pass1", ip="10.7.7.7")
    assert _try(client, "/accounts/login/", "clerk_a", PASSWORD, ip="10.7.7.7").status_code == 429
    assert _try(client, "/accounts/login/", "clerk_a", PASSWORD, ip="10.6.6.6").status_code == 302


# Sessions -----------------------------------------------------------------------------------------------------------
def _sign_in(client, username="clerk_a"):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]


def test_idle_timeout_30_minutes(world, client):
    start = timezone.now()
    with freeze_time(start):
        _sign_in(client)
    with freeze_time(start + datetime.timedelta(minutes=29)):
        assert client.get("/admin/").status_code == 200  # activity renews the 30 minutes
    with freeze_time(start + datetime.timedelta(minutes=29 + 31)):
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        assert client.get("/").url.startswith("/accounts/login/")


def test_new_session_id_at_login(world, client):
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted = session.session_key
    client.cookies["sessionid"] = planted
    _sign_in(client)
    assert client.cookies["sessionid"].value != planted
    assert not Session.objects.filter(session_key=planted).exists()


def test_logout_kills_the_session(world, client):
    _sign_in(client)
    cookie = client.cookies["sessionid"].value
    assert client.post("/accounts/logout/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = replay.get("/admin/ledgers/worker/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not Session.objects.filter(session_key=cookie).exists()


def test_password_older_than_90_days_must_be_changed(world, client):
    clerk = world.users[Role.TOWN_CLERK]
    User.objects.filter(pk=clerk.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client.force_login(clerk)
    response = client.get("/admin/ledgers/worker/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/?expired=1"
    assert client.get("/accounts/password/").status_code == 200
    changed = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Xinmima#2026",
                                                  "new_password2": "Xinmima#2026"})
    assert changed.status_code == 302
    assert client.get("/admin/ledgers/worker/").status_code == 200


# Second factor for the administrator roles -------------------------------------------------------------------------
@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_privileged_page_without_a_verified_device_is_403(world, client, role):
    admin_user = world.users[role]
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 403 and "/accounts/otp/" in response.content.decode()
    assert client.get("/admin/organizations/user/").status_code == 403
    assert client.get("/").url.startswith("/accounts/otp/")
    assert client.get("/accounts/otp/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, detail__contains="otp").exists()


def test_totp_verification_opens_the_admin(world, client):
    auditor = world.users[Role.AUDITOR]
    device = TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    client.force_login(auditor)
    wrong = client.post("/accounts/otp/?next=/admin/zyparty/auditentry/", {"token": "000000"})
    assert wrong.status_code == 200 and "动态口令不正确" in wrong.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, detail="otp", actor_name="auditor").exists()
    with freeze_time(timezone.now() + datetime.timedelta(seconds=5)):  # django-otp throttles right after a failure
        token = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
        right = client.post("/accounts/otp/?next=/admin/zyparty/auditentry/", {"token": token})
    assert right.status_code == 302 and right["Location"] == "/admin/zyparty/auditentry/"
    assert client.get("/admin/zyparty/auditentry/").status_code == 200


def test_business_roles_need_no_second_factor(world, client):
    client.force_login(world.users[Role.TOWN_CLERK])
    assert client.get("/admin/ledgers/worker/").status_code == 200


def test_unverified_administrator_is_refused_by_the_api(world):
    api = APIClient()
    api.force_login(world.users[Role.SECURITY_ADMIN])
    assert api.get("/api/v1/units/").status_code == 403


def test_security_admin_registers_devices_and_it_is_audited(world):
    client = matrix.login(Client(), world.users[Role.SECURITY_ADMIN])
    target = world.users[Role.AUDITOR]
    response = client.post("/admin/otp_totp/totpdevice/add/", {
        "user": target.pk, "name": "审计员手机", "confirmed": "on", "key": "3132333435363738393031323334353637383930",
        "step": 30, "t0": 0, "digits": 6, "tolerance": 1, "drift": 0, "throttling_failure_count": 0})
    assert response.status_code == 302, response.content.decode()[:1000]
    assert TOTPDevice.objects.filter(user=target, name="审计员手机").exists()
    entry = AuditEntry.objects.filter(action=AuditAction.KEY, detail="totp device registered").latest("id")
    assert entry.actor_name == "secadmin" and "313233" not in json.dumps(entry.changes)
    assert matrix.login(Client(), world.users[Role.SYSTEM_ADMIN]).get(
        "/admin/otp_totp/totpdevice/add/").status_code == 403


def test_add_totp_device_command_bootstraps_the_first_administrator(world, capsys):
    call_command("add_totp_device", "secadmin")
    assert capsys.readouterr().out.startswith("otpauth://totp/")
    assert TOTPDevice.objects.filter(user=world.users[Role.SECURITY_ADMIN], confirmed=True).exists()


def test_an_expired_password_also_stops_the_api_session(world):
    clerk = world.users[Role.TOWN_CLERK]
    api = APIClient()
    api.force_login(clerk)
    assert api.get("/api/v1/workers/").status_code == 200
    User.objects.filter(pk=clerk.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    assert api.get("/api/v1/workers/").status_code == 403
    _client, key = api_client_create(name="人社局", unit=world.town_a)  # keys are not passwords: unaffected
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert keyed.get("/api/v1/workers/").status_code == 200
