"""Settings shared by every environment, read from environment variables."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's files served from the project: /api/docs/ works without internet.
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "axes",
    # Project apps, each with one job.
    "core",
    "regions",
    "accounts",
    "children",
    "families",
    "cases",
    "visits",
    "notifications",
    "access",
    "demo",
    "matching",
    "registry",
    "audit",
    "risk",
    "stats",
    "web",
    "documents",
    "consents",
    "emergency",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database outage answers 503 + Retry-After instead of a 500 page.
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as axes requires: turns a locked-out sign-in into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}
# A kept connection is checked before reuse, so a web process recovers by itself after PostgreSQL restarts.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out client is refused before its password is checked.
    "config.signin.SignInLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
# The pages (web/) send each role to its start page after signing in.
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# Django ships no Kazakh date and number formats; web/formats/kk has them.
FORMAT_MODULE_PATH = ["web.formats"]

# Sign-in lockout (django-axes, counts kept in the database and so shared by every web process):
# five failures for one username from one address lock that pair out for the cool-off period.
# Keyed on the pair, so an office behind one NAT address is not locked out by one person's typos.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "config.signin.username_for_lockout"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429

# Sessions live in the database (Django's default engine), so web processes stay stateless.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # one working day
CSRF_COOKIE_SAMESITE = "Lax"

# Kazakh and Russian are the working languages of the guardianship services; English is for
# international partners.
LANGUAGE_CODE = "ru"
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Documents (documents/): stored through the storage API (MEDIA_ROOT, never served by URL; an S3-compatible
# store by adding a "documents" entry to STORAGES, see docs/documents.md), limited in size and in type by content.
DOCUMENTS_MAX_UPLOAD_BYTES = env_int("DOCUMENTS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
DOCUMENTS_ALLOWED_TYPES = ["pdf", "png", "jpeg", "docx"]
# Shown only with view_sensitive on the case (health data).
DOCUMENTS_SENSITIVE_TYPES = ["medical_report"]
DOCUMENTS_PDF_FONT = os.environ.get("DOCUMENTS_PDF_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DOCUMENTS_PDF_FONT_BOLD = os.environ.get("DOCUMENTS_PDF_FONT_BOLD", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# The child's own view is recorded from this age (Kazakhstan's family law: 10).
CONSENT_CHILD_VIEW_MIN_AGE = 10
# Emergency access ("break the glass", emergency/): how long it lasts and how much reason it needs.
EMERGENCY_ACCESS_HOURS = 24
EMERGENCY_ACCESS_MIN_REASON_LENGTH = 10

# Anonymized statistics (stats/): counts from 1 to k-1 are never published to analysts; the forms of care
# that count as a permanent family; the placement ends that count as a move; limits of a request.
STATS_SUPPRESSION_K = env_int("STATS_SUPPRESSION_K", 10)
STATS_PERMANENT_FORMS_OF_CARE = ["adoption", "guardianship", "trusteeship", "kinship"]
STATS_PLACEMENT_MOVE_END_REASONS = ["returned", "transferred"]
STATS_MAX_CELLS = env_int("STATS_MAX_CELLS", 20000)
STATS_MAX_EPSILON = 10.0

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# Celery: Redis is the broker. Long waits live as due dates in the database, never as ETA
# messages, so the broker's visibility timeout never redelivers them.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = TIME_ZONE
# Kombu's Redis transport redelivers a message not acknowledged within this time (a worker died
# mid-task); our tasks are idempotent and short, so a small value only speeds up recovery.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10)
CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] = env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10)
# One beat, three periodic tasks; long waits are due dates in the database (notifications app).
CELERY_BEAT_SCHEDULE = {
    "nightly-risk": {"task": "risk.nightly_scoring", "schedule": crontab(hour=1, minute=0)},
    "extend-visit-horizons": {"task": "visits.extend_horizons", "schedule": crontab(hour=5, minute=30)},
    "daily-sweep": {"task": "notifications.daily_sweep", "schedule": crontab(hour=6, minute=0)},
    "send-emails": {"task": "notifications.send_emails", "schedule": 300.0},
}
# The statistics snapshot (stats/) is rebuilt nightly, after the day's records are in.
CELERY_BEAT_SCHEDULE["refresh-statistics"] = {"task": "stats.refresh_statistics", "schedule": crontab(hour=2, minute=30)}
# Expired case grants give no access already; this only deletes them (access/tasks.py).
CELERY_BEAT_SCHEDULE["delete-expired-grants"] = {"task": "access.delete_expired_grants", "schedule": crontab(hour=3, minute=15)}
# Reminders (notifications/services.py). Stage limits for "case stuck" are the cases app's
# StageTimeLimit policy table.
NOTIFICATION_VISIT_DUE_DAYS = 7
NOTIFICATION_EXPIRY_WARNING_DAYS = 30
NOTIFICATION_HIGH_RISK_VISIT_GAP_DAYS = 30
NOTIFICATION_ESCALATE_AFTER_DAYS = env_int("NOTIFICATION_ESCALATE_AFTER_DAYS", 7)
NOTIFICATION_CATCH_UP_DAYS = 14
# After a previous sweep, rows written since it began (less this margin, for writes committed after
# its snapshot) are looked at again; see notifications.services.PreviousSweep.
NOTIFICATION_CHANGE_MARGIN_MINUTES = env_int("NOTIFICATION_CHANGE_MARGIN_MINUTES", 24 * 60)
NOTIFICATION_SWEEP_WORK_MEM = os.environ.get("NOTIFICATION_SWEEP_WORK_MEM", "64MB")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    # Counted in each web process's local cache: a Redis outage must not fail every API call.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("THROTTLE_USER", "2000/minute"),
        "sign_in": os.environ.get("THROTTLE_SIGN_IN", "10/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Otbasy API",
    "DESCRIPTION": "Case tracking for placing children without parental care into families.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per choice set shared by several fields.
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "cases.models.Stage",
        "HealthNeedsEnum": "core.choices.HealthNeeds",
        "PreferredSexEnum": "families.models.Family.PreferredSex",
        "FamilyEventKindEnum": "risk.models.FamilyEvent.Kind",
        "VisitKindEnum": "visits.models.Visit.Kind",
        "VisitConditionEnum": "visits.models.Visit.Condition",
        "NotificationKindEnum": "notifications.models.Notification.Kind",
        "ConsentKindEnum": "consents.models.ConsentKind",
        "CaseNoteKindEnum": "cases.models.CaseNote.Kind",
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "otbasy@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    # LOG_FORMAT=json in production gives one JSON object per line.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": os.environ.get("LOG_FORMAT", "plain")}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
