"""Production: behind HTTPS (a reverse proxy such as nginx terminating TLS), secrets only from the environment.

    DJANGO_SETTINGS_MODULE=zyparty.settings_production
    DJANGO_SECRET_KEY=…  ZYPARTY_DATA_KEY=…  ALLOWED_HOSTS=party.example.cn
    DATABASE_URL=postgres://…  CELERY_BROKER_URL=redis://…

Passes ``manage.py check --deploy --fail-level WARNING`` (SECURITY.md "HTTP"; Django's deployment checklist): HTTPS
only, HSTS for a year with subdomains and preload, cookies Secure and HttpOnly (``__Host-`` names, so no subdomain can
set them), DEBUG off. The account checks of zyparty.checks (no superuser, no default account names) run with it.
"""

import base64
import binascii
import os

from django.core.exceptions import ImproperlyConfigured

for _name in ("DJANGO_SECRET_KEY", "ZYPARTY_DATA_KEY", "ALLOWED_HOSTS"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in the environment for production")
try:  # fail at start-up, not at the first ID number (zyparty.crypto)
    _key_ok = len(base64.urlsafe_b64decode(os.environ["ZYPARTY_DATA_KEY"].encode())) == 32
except (binascii.Error, ValueError):
    _key_ok = False
if not _key_ok:
    raise ImproperlyConfigured("ZYPARTY_DATA_KEY must be 32 random bytes, urlsafe base64")

from zyparty.settings import *  # noqa: E402,F401,F403

DEBUG = False
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("ZYPARTY_PROXY_COUNT", "1"))
