"""Settings for zyparty, read from the environment.

With no environment at all the portal runs embedded: a SQLite file and a Celery broker on the filesystem, both
under ``var/``. ``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch to PostgreSQL and Redis; ``zyparty.settings_production``
adds what a deployment behind HTTPS needs. Numbers an assessor may ask to change (lockout, idle timeout, password age)
are settings, each overridable from the environment.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ZYPARTY_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name, default))


def _local_secret(filename, make):
    """A secret kept in var/ (outside the repository) for embedded runs; production passes it in the environment."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("ZYPARTY_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _local_secret("secret_key", lambda: secrets.token_urlsafe(50))
# Key for personal data at rest (AES-GCM) and for the keyed hash that indexes ID numbers and phones. 32 bytes,
# urlsafe base64. Losing it loses the ID numbers: back it up beside, never inside, the database dump.
DATA_KEY = os.environ.get("ZYPARTY_DATA_KEY") or _local_secret(
    "data_key", lambda: __import__("base64").urlsafe_b64encode(secrets.token_bytes(32)).decode()
)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "zyparty",
    "organizations",
    "ledgers",
    "services",
    "talent",
    "overview",
]

# Plumbing learns about the domain only through these entries (zyparty imports no domain app; docs/ARCHITECTURE.md).
# Who sees what: a function user -> zyparty.scoping.Scope, read with import_string (as AUTHENTICATION_BACKENDS is).
ZYPARTY_SCOPE_RESOLVER = "organizations.roles.scope_for_user"
# The administrative unit (county / town / village) every placed record points to, as AUTH_USER_MODEL names the user.
ZYPARTY_UNIT_MODEL = "organizations.Unit"
# The permission to see personal data in clear (masking is plumbing; the roles that hold it are the domain's).
ZYPARTY_UNMASK_PERMISSION = "ledgers.unmask_personal_data"
# Who holds an API key: a function key -> its usable client (a model instance with user, last_used_at, last_used_ip)
# or None, read with import_string by zyparty.api.authentication.
ZYPARTY_API_KEY_RESOLVER = "organizations.apikeys.api_client_for_key"
# Records anyone in a county may link to, wherever in the county they are (zyparty.api.serializers.scoped_choices).
ZYPARTY_COUNTY_WIDE_CHOICES = ["organizations.Unit", "organizations.HostPlaceOrganization", "ledgers.HostEnterprise"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zyparty.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zyparty.middleware.AccountPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zyparty.urls"
WSGI_APPLICATION = "zyparty.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'zyparty.sqlite3'}", conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the Celery worker read while the portal writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organizations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "organizations.auth.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zyparty.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "organizations.auth.NotUsernameValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Account policy (等保三级 practice; SECURITY.md): keep the numbers here, overridable per deployment.
SESSION_COOKIE_AGE = env_int("ZYPARTY_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the 30 minutes count from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PASSWORD_MAX_AGE_DAYS = env_int("ZYPARTY_PASSWORD_MAX_AGE_DAYS", 90)
AXES_FAILURE_LIMIT = env_int("ZYPARTY_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("ZYPARTY_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks: a guessed account, or a guessing host
AXES_RESET_ON_SUCCESS = True
# A fixed 15 minutes from the lockout: attempts refused while locked (even with the right password) neither extend
# it nor count again; each is audited as a failed login.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
OTP_TOTP_ISSUER = "zyparty"  # label in the authenticator app of the three administrator roles
AXES_LOCKOUT_CALLABLE = "zyparty.views.lockout_response"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("ZYPARTY_PROXY_COUNT", 0)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("ZYPARTY_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("ZYPARTY_MEDIA_ROOT", VAR_DIR / "media"))  # uploads: outside the web root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Browser libraries that ship inside installed Python packages (plotly.js from the plotly wheel) are served from the
# package itself, never copied into the repository (zyparty.vendor).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "zyparty.vendor.PackageAssetFinder",
]

# "default" stays per process; "aggregates" holds the dashboard's precomputed figures in a database table (created by
# migrations) so every gunicorn worker and the Celery worker share one copy with no extra server (overview.dashboard).
# The default cache holds API throttle counters: shared through Redis when the broker is Redis (several web
# workers), per process in the embedded setup. Dashboard aggregates always live in the database.
_redis_cache = os.environ.get("REDIS_CACHE_URL") or (
    os.environ.get("CELERY_BROKER_URL", "") if os.environ.get("CELERY_BROKER_URL", "").startswith("redis") else "")
CACHES = {
    "default": ({"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_cache,
                 "KEY_PREFIX": "zyparty"} if _redis_cache else
                {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}),
    "aggregates": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "zyparty_cache",
                   "TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 5000}},
}
DASHBOARD_MAX_AGE_SECONDS = env_int("ZYPARTY_DASHBOARD_MAX_AGE_SECONDS", 15 * 60)
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads: the size cap is enforced again by the import workflow (which also checks the content type and
# the inflated size of zip containers).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
IMPORT_MAX_FILE_BYTES = env_int("ZYPARTY_IMPORT_MAX_MB", 40) * 1024 * 1024
IMPORT_MAX_INFLATED_BYTES = env_int("ZYPARTY_IMPORT_MAX_INFLATED_MB", 400) * 1024 * 1024
IMPORT_ASYNC_ROWS = env_int("ZYPARTY_IMPORT_ASYNC_ROWS", 5000)
EXPORT_MAX_ROWS = env_int("ZYPARTY_EXPORT_MAX_ROWS", 1_000_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "zyparty.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["zyparty.api.permissions.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "zyparty.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "zyparty.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["zyparty.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": os.environ.get("ZYPARTY_API_RATE", "1200/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "zyparty API",
    "DESCRIPTION": "农民工党建工作平台接口：行政区划、党组织、四本台账及服务、人才记录。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "WishEnum": "ledgers.choices.Wish",
        "PoliticalStatusEnum": "ledgers.choices.PoliticalStatus",
        "IndustryEnum": "ledgers.choices.Industry",
        "OrgFormEnum": "organizations.choices.OrgForm",
        "OutpostBuildEnum": "organizations.choices.OutpostBuild",
        "DevelopmentStageEnum": "talent.choices.Stage",
        "DevelopmentStepEnum": "talent.choices.Step",
        "DevelopmentCaseStatusEnum": "talent.choices.CaseStatus",
        "CultivationStageEnum": "talent.choices.CultivationStageKind",
        "TalentLevelEnum": "talent.choices.Level",
        "QuotaSubjectEnum": "talent.choices.SubjectKind",
        "CaseStatusEnum": "services.choices.CaseStatus",
        "TransferStatusEnum": "services.choices.TransferStatus",
        "TransferDecisionEnum": "services.choices.TRANSFER_DECISION_CHOICES",
    },
}

# Celery. The default broker needs no server (a folder under var/), so the run command works on a bare machine.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
_broker_dir = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("out", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Short socket timeouts: an unreachable Redis must not hold a web request (the outbox keeps the task).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 3, "socket_timeout": 10}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_IMPORTS = ["overview.dashboard"]  # the dashboard refresh task lives beside the figures it computes

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zyparty@localhost")
NOTICE_EMAIL_ENABLED = env_bool("ZYPARTY_NOTICE_EMAIL")

# Reminders of the services app (seed 000 §3, §5, §8, §11): timings are local practice, so settings.
FESTIVAL_REFRESH_DAYS_BEFORE = env_int("ZYPARTY_FESTIVAL_REFRESH_DAYS_BEFORE", 14)  # ledger refresh before 中秋/春节
LEDGER_STALE_MONTHS = env_int("ZYPARTY_LEDGER_STALE_MONTHS", 6)  # a worker record not updated for this long is stale
JOINT_MEETING_REMINDER_FROM_MONTH = env_int("ZYPARTY_JOINT_MEETING_REMINDER_FROM_MONTH", 10)
OUTPOST_TRAINING_REMINDER_FROM_MONTH = env_int("ZYPARTY_OUTPOST_TRAINING_REMINDER_FROM_MONTH", 9)

# HTTP hardening that is harmless in development; HTTPS-only parts are in settings_production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Audit trail retention (SECURITY.md: ≥180 days).
AUDIT_RETENTION_DAYS = max(180, env_int("ZYPARTY_AUDIT_RETENTION_DAYS", 180))

# Backups (zyparty.backups; SECURITY.md "backups"): where the nightly dump goes, how many are kept, how many ID
# numbers per ledger the restore check decrypts. The data key is never written there: keep it beside the dumps.
BACKUP_DIR = Path(os.environ.get("ZYPARTY_BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_KEEP = max(1, env_int("ZYPARTY_BACKUP_KEEP", 14))
BACKUP_VERIFY_SAMPLE = env_int("ZYPARTY_BACKUP_VERIFY_SAMPLE", 50)
BACKUP_TIMEOUT = env_int("ZYPARTY_BACKUP_TIMEOUT_SECONDS", 6 * 3600)
PG_BIN_DIR = os.environ.get("ZYPARTY_PG_BIN_DIR", "")  # pg_dump/pg_restore; default: PATH, then /usr/lib/postgresql

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "zyparty.masking.PersonalDataLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ZYPARTY_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Demo county (load_demo) and people-facing defaults.
ZYPARTY_COUNTY_NAME = os.environ.get("ZYPARTY_COUNTY_NAME", "紫阳县")

# Talent (local practice, seed 000 §18: "35岁左右、高中及以上文化程度"): checked as warnings on reserve cadres, never as a
# refusal. Time limits of member development are data (talent.TimeLimit), not settings.
RESERVE_CADRE_PROFILE = {"max_age": env_int("ZYPARTY_RESERVE_MAX_AGE", 35),
                         "min_education": os.environ.get("ZYPARTY_RESERVE_MIN_EDUCATION", "senior")}
# The 2026 revision of the development rules requires a ≥5-working-day public notice before someone becomes a
# development target (step ⑦); switch on when the county applies it.
DEVELOPMENT_TARGET_NOTICE_REQUIRED = env_bool("ZYPARTY_TARGET_NOTICE_REQUIRED")
