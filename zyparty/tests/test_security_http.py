"""HTTP hardening (SECURITY.md "HTTP"; Django's deployment checklist; OWASP ASVS 5.0 V3/V13): security headers and
CSP, HTTPS-only cookies and HSTS in production, no caching of pages with personal data, generic error pages."""

from unittest import mock

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from organizations.roles import Role
from tests import matrix
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PRODUCTION_HTTP = {"SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
                   "SECURE_HSTS_PRELOAD": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
                   "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")}


def test_security_headers_on_every_page(world):
    client = matrix.login(Client(), world.users[Role.TOWN_CLERK])
    for url in ("/accounts/login/", "/admin/ledgers/worker/"):
        response = client.get(url) if url.startswith("/admin") else Client().get(url)
        csp = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert len(response["X-Request-ID"]) == 32


@override_settings(**PRODUCTION_HTTP)
def test_production_is_https_only_with_hsts_and_secure_cookies(world):
    client = Client()
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    login = client.post("/accounts/login/", {"username": "clerk_a", "password": PASSWORD},
                        HTTP_X_FORWARDED_PROTO="https")
    assert login.status_code == 302
    assert login["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    session = login.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_pages_for_signed_in_users_are_not_cached(world):
    client = matrix.login(Client(), world.users[Role.TOWN_CLERK])
    for url in ("/", f"/admin/ledgers/worker/{world.workers['a'].pk}/change/", "/admin/ledgers/partymember/"):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], url
    api = matrix.login(APIClient(), world.users[Role.TOWN_CLERK])
    assert api.get(f"/api/v1/members/{world.members['a'].pk}/")["Cache-Control"] == "no-store"


def test_generic_404(world):
    client = matrix.login(Client(), world.users[Role.TOWN_CLERK])
    response = client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404 and "未找到" in page and "Traceback" not in page and "urlpatterns" not in page


def test_generic_500(world):
    client = matrix.login(Client(raise_request_exception=False), world.users[Role.TOWN_CLERK])
    with mock.patch("overview.dashboard.dashboard_context", side_effect=RuntimeError("secret detail 610924")):
        response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 500 and "服务器错误" in page
    assert "secret detail" not in page and "RuntimeError" not in page and "Traceback" not in page


def test_generic_403_is_audited(world):
    client = matrix.login(Client(), world.users[Role.VILLAGE_LIAISON])
    response = client.get("/admin/organizations/jointmeeting/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()
    from zyparty.models import AuditAction, AuditEntry

    entry = AuditEntry.objects.filter(action=AuditAction.DENIED).latest("id")
    assert (entry.actor_name, entry.object_repr, entry.channel) == ("liaison_a", "/admin/organizations/jointmeeting/",
                                                                    "admin")
