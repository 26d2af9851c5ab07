"""Test settings: the same as production code paths, with fast password hashing and an isolated var/ folder."""

import os
import tempfile

os.environ.setdefault("ZYPARTY_VAR_DIR", tempfile.mkdtemp(prefix="zyparty-test-"))
os.environ.setdefault("ZYPARTY_DATA_KEY", "dGVzdC1rZXktZm9yLXp5cGFydHktb25seS0zMmJ5dGU=")

from zyparty.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "100000/min"}}  # noqa: F405
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
