"""Production: behind HTTPS (a reverse proxy such as nginx terminating TLS), secrets only from the environment.

    DJANGO_SETTINGS_MODULE=zyparty.settings_production
    DJANGO_SECRET_KEY=…  ZYPARTY_DATA_KEY=…  ALLOWED_HOSTS=party.example.cn
    DATABASE_URL=postgres://…  CELERY_BROKER_URL=redis://…
"""

import os

from django.core.exceptions import ImproperlyConfigured

for _name in ("DJANGO_SECRET_KEY", "ZYPARTY_DATA_KEY", "ALLOWED_HOSTS"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in the environment for production")

from zyparty.settings import *  # noqa: E402,F401,F403

DEBUG = False
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("ZYPARTY_PROXY_COUNT", "1"))
