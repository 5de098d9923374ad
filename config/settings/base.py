"""Settings shared by every environment, read from environment variables."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

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
    "knox",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's files served from the project: /api/docs/ works without internet.
    "drf_spectacular_sidecar",
    "csp",
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
    "visitkit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy (django-csp), and no-store + Permissions-Policy on every dynamic response.
    "csp.middleware.CSPMiddleware",
    "config.middleware.PrivacyHeadersMiddleware",
    # A database outage answers 503 + Retry-After instead of a 500 page.
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A body over its view's limit is refused from Content-Length, before CSRF reads a form's body.
    "config.middleware.RequestBodyLimitMiddleware",
    # NUL or a lone surrogate in a query string or a page's form: 400, never a database error.
    "config.middleware.UnstorableInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A user's own write pins their next requests' reads to the primary (core/replica.py).
    "core.replica.PinAfterWriteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A form's address opened as a page: a 405 page with a link back instead of a blank one.
    "config.middleware.FormOnlyAddressMiddleware",
    # Last, as axes requires: turns a locked-out sign-in into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

FORM_RENDERER = "web.renderers.FastTemplates"  # Django's form templates, the common ones in Python

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

# PostgreSQL's JIT compiler off for every session unless DATABASE_JIT=on: it compiles any statement
# whose estimated cost passes jit_above_cost, and a caseload page whose per-row subqueries the planner
# over-estimates paid ~0.8 s of compiling for ~50 ms of execution ("My cases" overdue-first at
# national scale, bench/README.md); the scans that set it off for themselves (statistics, risk
# scoring, the sweep) measured no gain from it either.
DATABASE_JIT = os.environ.get("DATABASE_JIT", "off")


# The few hand-written statements every API request runs (core.db.prepared_cursor: the token
# look-up, the case detail, the access-log row) are prepared once per connection instead of parsed
# and planned on each request: over half of the database's CPU per case detail under load
# (bench/README.md, issue 20 goal 3). Off (DATABASE_PREPARED_STATEMENTS=off) behind a connection
# pooler in transaction mode that does not keep prepared statements.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
# psycopg prepares a statement run this many times; no statement gets there: only those run through
# core.db.prepared_cursor, which asks for it, are prepared (Django's own cursors never prepare).
PREPARE_ONLY_WHEN_ASKED = 2**31 - 1


def database(url: str, *, conn_max_age: int) -> dict:
    """Django's settings for one PostgreSQL database from its URL, with the session options every
    connection of the project gets (``jit``) and, when DATABASE_PREPARED_STATEMENTS is on, psycopg's
    prepared statements for the statements that ask for them (core.db.prepared_cursor); PostgreSQL
    through the project's backend (core.postgresql: Django's, with a cheaper health check)."""
    settings = dj_database_url.parse(url, conn_max_age=conn_max_age)
    if settings["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a health check that asks the socket before a round trip (core/postgresql).
        settings["ENGINE"] = "core.postgresql"
    settings.setdefault("OPTIONS", {})["options"] = f"-c jit={DATABASE_JIT}"
    if DATABASE_PREPARED_STATEMENTS:
        settings["OPTIONS"]["prepare_threshold"] = PREPARE_ONLY_WHEN_ASKED
    return settings


DATABASES = {
    "default": database(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}
# A kept connection is checked before reuse, so a web process recovers by itself after PostgreSQL restarts.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("CONN_HEALTH_CHECKS", True)


def replica_database() -> dict | None:
    """The ``replica`` alias from DATABASE_REPLICA_URL (a streaming hot standby of the primary), or
    None: absent, every read goes to the primary. Which reads may go there: core/replica.py."""
    url = os.environ.get("DATABASE_REPLICA_URL")
    if not url:
        return None
    replica = database(url, conn_max_age=env_int("CONN_MAX_AGE", 60))
    replica["CONN_HEALTH_CHECKS"] = True
    # A dead replica must cost seconds, not the client's patience: the reads then fall back to the primary.
    replica.setdefault("OPTIONS", {})["connect_timeout"] = env_int("REPLICA_CONNECT_TIMEOUT", 2)
    replica["TEST"] = {"MIRROR": "default"}
    return replica


if replica := replica_database():
    DATABASES["replica"] = replica
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# After a write, the user's requests read the primary for this long (the pinning cookie).
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15)
# After the replica failed to answer, each process reads the primary for this long before trying again.
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 30)
# The statistics refresh reads on the replica once it has the record keys just written on the
# primary; behind by more than this, the refresh reads the primary (stats.services).
REPLICA_CATCH_UP_SECONDS = env_int("REPLICA_CATCH_UP_SECONDS", 60)
# Whether the nightly statistics refresh, when a replica is configured, finds the rows to write on it
# (the primary then only writes them): on by default, see docs/replica.md "Nightly tasks".
STATS_REFRESH_READS_REPLICA = env_bool("STATS_REFRESH_READS_REPLICA", True)
# The nightly refresh's VACUUM (FREEZE) of the pages it wrote (and its ANALYZE, when it runs one)
# yields to the interactive users as autovacuum does: it sleeps this many milliseconds each time its
# work reaches vacuum_cost_limit (PostgreSQL's vacuum_cost_delay for those statements; 2 ms is
# autovacuum's own default, 0 runs them unthrottled as a manual VACUUM does). docs/replica.md.
STATS_REFRESH_VACUUM_COST_DELAY = env_int("STATS_REFRESH_VACUUM_COST_DELAY", 2)
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
# Password spraying (one password tried on many usernames) is stopped per address: failures of every
# username from one client address lock that address out too, at a higher limit (config.signin).
AXES_HANDLER = "config.signin.SignInLockoutHandler"
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
AXES_CLIENT_IP_CALLABLE = "core.client_address.axes_client_address"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429

# The load balancers / reverse proxies in front of the web processes (addresses or networks, comma
# separated). X-Forwarded-For is believed only from them (core.client_address); empty: never.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]

# API tokens (django-rest-knox): only a hash is stored, each token expires, and a client signs out
# with /api/v1/auth/logout/ (this token) or /api/v1/auth/logout-all/ (every token of the user). A
# password change revokes every token of the user (accounts.models.User.save).
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 8)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site only, no
# inline script or style (the pages keep theirs in web/static), no framing, forms post here only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Charts are inline SVG elements; Swagger UI draws its icons from data: URIs.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Browser features the site never uses, refused to it and to anything it could embed. Only features
# Chromium recognises: an unknown one ('bluetooth') logs a console error on every page.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer", "microphone",
    "midi", "payment", "usb", "serial", "hid", "interest-cohort", "browsing-topics",
))
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# /api/schema/ and /api/docs/ (config/api_docs.py) for signed-in users only; off for a public API.
API_DOCS_REQUIRE_SIGN_IN = env_bool("API_DOCS_REQUIRE_SIGN_IN", True)

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
# A registry CSV sent to /api/v1/registry/import/ (larger files: the import_registry command).
REGISTRY_MAX_UPLOAD_BYTES = env_int("REGISTRY_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
# Any other request body (JSON, forms); an upload view names its own limit (config.middleware).
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 2_621_440)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
DOCUMENTS_ALLOWED_TYPES = ["pdf", "png", "jpeg", "docx"]
# Shown only with view_sensitive on the case (health data).
DOCUMENTS_SENSITIVE_TYPES = ["medical_report"]
DOCUMENTS_PDF_FONT = os.environ.get("DOCUMENTS_PDF_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DOCUMENTS_PDF_FONT_BOLD = os.environ.get("DOCUMENTS_PDF_FONT_BOLD", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# The child's own view is recorded from this age (Kazakhstan's family law: 10).
CONSENT_CHILD_VIEW_MIN_AGE = 10

# Forms of care and the family (cases.FormOfCareRule holds the ages and capacities of each form).
AGE_OF_MAJORITY = 18  # a placement ends "came of age" on the 18th birthday; no visit is planned after it
# An applicant is at least AGE_OF_MAJORITY on the application date and born at most this many years
# before it (core.ages: the code names no upper age; this refuses a typo such as 1900 for 1990).
APPLICANT_MAX_AGE = env_int("APPLICANT_MAX_AGE", 100)
COMING_OF_AGE_EARLY_CLOSE_DAYS = env_int("COMING_OF_AGE_EARLY_CLOSE_DAYS", 31)  # "came of age" allowed this many days before
CARER_RECHECK_INTERVAL_DAYS = env_int("CARER_RECHECK_INTERVAL_DAYS", 365)  # carers' checks recur (rule of 4 Feb 2026)
FAMILY_CHANGE_VISIT_WITHIN_DAYS = env_int("FAMILY_CHANGE_VISIT_WITHIN_DAYS", 14)  # visit after a change in the family
# The nightly risk scoring (risk.services.recompute_all_risks): placements per batch (one
# transaction each), how often every active placement is scored rather than only what changed, and
# how far before the last run began a write still counts as new (writes committed after its snapshot).
RISK_SCORING_BATCH = env_int("RISK_SCORING_BATCH", 500_000)
RISK_FULL_SCORING_EVERY_DAYS = env_int("RISK_FULL_SCORING_EVERY_DAYS", 7)
RISK_CHANGE_MARGIN_MINUTES = env_int("RISK_CHANGE_MARGIN_MINUTES", 24 * 60)
RISK_SCORING_WORK_MEM = os.environ.get("RISK_SCORING_WORK_MEM", "256MB")
# Emergency access ("break the glass", emergency/): how long it lasts and how much reason it needs.
EMERGENCY_ACCESS_HOURS = 24
EMERGENCY_ACCESS_MIN_REASON_LENGTH = 10

# The visit kit (visitkit/, docs/visit-kit.md): "Prepare my visits" takes this many days ahead (at
# most VISIT_KIT_MAX_DAYS), at most VISIT_KIT_MAX_VISITS visits, soonest first.
VISIT_KIT_DAYS = env_int("VISIT_KIT_DAYS", 14)
VISIT_KIT_MAX_DAYS = 31
VISIT_KIT_MAX_VISITS = env_int("VISIT_KIT_MAX_VISITS", 200)

# Anonymized statistics (stats/): counts from 1 to k-1 are never published to analysts; the forms of care
# that count as a permanent family; the placement ends that count as a move; limits of a request.
STATS_SUPPRESSION_K = env_int("STATS_SUPPRESSION_K", 10)
STATS_PERMANENT_FORMS_OF_CARE = ["adoption", "guardianship", "trusteeship"]
# Placement ends that move the child back into an institution (a placement move in the stability
# measure; the moves into a family are the starts of placements in non-permanent forms of care).
STATS_PLACEMENT_MOVE_END_REASONS = ["returned"]
# Ends of a permanent placement that are not a breakdown: it "still holds" for permanency in 12 months.
STATS_PLACEMENT_HOLDING_END_REASONS = ["permanency", "came_of_age", "reunified"]
# Exits counted by CFSR re-entry besides reunification: a case closed from a placement in these forms
# (guardianship and living with a relative; CFSR leaves adoption out).
STATS_REENTRY_EXIT_FORMS_OF_CARE = ["guardianship", "trusteeship"]
STATS_MAX_CELLS = env_int("STATS_MAX_CELLS", 20000)
# Differential privacy (docs/statistics.md): the epsilons a release may use (a request's epsilon is
# rounded down to one of them, so that a nudged epsilon is the same release); the largest is 1
# because above it the discrete Laplace noise is 0 in most cells and the release is nearly exact.
STATS_EPSILONS = [0.1, 0.25, 0.5, 1.0]
STATS_MAX_EPSILON = max(STATS_EPSILONS)
# Each analyst's privacy budget per calendar quarter: the sum of the epsilons of the new noisy
# releases they may ask for (a release already published costs nothing).
STATS_PRIVACY_BUDGET = float(os.environ.get("STATS_PRIVACY_BUDGET", "4.0"))
# At most this many records (cases, placements) of one child count in a noisy flow table.
STATS_DP_RECORDS_PER_CHILD = 2

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
# Queues per purpose, so a long statistics refresh or import never delays a reminder or an e-mail.
# Run at least one worker per queue (README, "Production"); a task not listed goes to "default".
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "risk.*": {"queue": "risk"},
    "notifications.*": {"queue": "reminders"},
    "visits.*": {"queue": "reminders"},
    "stats.*": {"queue": "statistics"},
    "registry.*": {"queue": "bulk"},
    "documents.*": {"queue": "bulk"},
    "access.*": {"queue": "default"},
    "audit.*": {"queue": "default"},
    "web.*": {"queue": "default"},
}
# A worker started without -Q consumes every queue (the quick start, small deployments).
# Each queue has its own exchange and routing key: a queue bound by the default key would receive
# every other queue's messages too.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name, type="direct"), routing_key=name) for name in ("default", "reminders", "risk", "statistics", "bulk")
]
CELERY_TASK_DEFAULT_EXCHANGE = "default"
CELERY_TASK_DEFAULT_ROUTING_KEY = "default"
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
# The audit tables' monthly partitions, created three months ahead (audit/partitions.py).
CELERY_BEAT_SCHEDULE["ensure-audit-partitions"] = {"task": "audit.ensure_partitions", "schedule": crontab(hour=0, minute=30)}
# How many whole months of access log and change history stay in the database; older months are
# exported and detached by `manage.py audit_partitions --detach` (run it monthly).
AUDIT_RETENTION_MONTHS = env_int("AUDIT_RETENTION_MONTHS", 84)
AUDIT_EXPORT_DIR = os.environ.get("AUDIT_EXPORT_DIR", str(BASE_DIR / "audit-exports"))
CELERY_BEAT_SCHEDULE["delete-expired-grants"] = {"task": "access.delete_expired_grants", "schedule": crontab(hour=3, minute=15)}
# Reminders (notifications/services.py). Stage limits for "case stuck" are the cases app's
# StageTimeLimit policy table.
NOTIFICATION_VISIT_DUE_DAYS = 7
NOTIFICATION_EXPIRY_WARNING_DAYS = 30
# How far back the supervisor's dashboard lists families' papers that have already expired.
EXPIRED_CERTIFICATES_RECENT_DAYS = env_int("EXPIRED_CERTIFICATES_RECENT_DAYS", 90)
# How long a supervisor's approval of a family lasts unless the decision names another expiry (policy).
FAMILY_APPROVAL_VALID_DAYS = env_int("FAMILY_APPROVAL_VALID_DAYS", 730)
# The furthest an expiry or end date may be set (core.dates.AHEAD_DATE): a home study, a training
# certificate, an approval, a document, a share; further is a typo (9999, 2205 for 2025).
DATE_MAX_YEARS_AHEAD = env_int("DATE_MAX_YEARS_AHEAD", 10)
# How long a supervisor's dashboard keeps its region-wide figures (overdue visits, high risks,
# caseload, charts) before computing them again; the supervisor's own changes drop them at once.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 300)
# How often the dashboard figures precomputed per unit (web.figures: the whole country in one task)
# are rebuilt; they are also rebuilt after the nightly risk scoring and the daily sweep, and a unit's
# row right after a supervisor's own change to it.
DASHBOARD_FIGURES_REFRESH_SECONDS = env_int("DASHBOARD_FIGURES_REFRESH_SECONDS", 300)
CELERY_BEAT_SCHEDULE["refresh-dashboard-figures"] = {"task": "web.refresh_dashboard_figures",
                                                     "schedule": float(DASHBOARD_FIGURES_REFRESH_SECONDS)}
# "default" holds per-process counters (DRF throttling); "dashboard" the supervisors' dashboard
# figures (Redis in production, shared by the web processes).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "dashboard": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dashboard",
                  "TIMEOUT": DASHBOARD_CACHE_SECONDS},
    # DRF's throttle histories, kept as objects in the process (core.throttling.LocalHistoryMixin).
    "throttle": {"BACKEND": "core.cache.LocalObjectCache", "LOCATION": "throttle"},
}
NOTIFICATION_HIGH_RISK_VISIT_GAP_DAYS = 30
NOTIFICATION_ESCALATE_AFTER_DAYS = env_int("NOTIFICATION_ESCALATE_AFTER_DAYS", 7)
# How old a sweep step's previous run may be for the next run to build on it (look only at what
# is new since); after a longer gap the step sweeps everything again. Not a limit on how old an
# overdue item may be: every one is reminded, however old (docs/visits-risk-reminders.md).
NOTIFICATION_CATCH_UP_DAYS = 14
# After a previous sweep, rows written since it began (less this margin, for writes committed after
# its snapshot) are looked at again; see notifications.services.PreviousSweep.
NOTIFICATION_CHANGE_MARGIN_MINUTES = env_int("NOTIFICATION_CHANGE_MARGIN_MINUTES", 24 * 60)
NOTIFICATION_SWEEP_WORK_MEM = os.environ.get("NOTIFICATION_SWEEP_WORK_MEM", "64MB")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, refusing NUL, lone surrogates and deep nesting with 400 (core.input).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser", "core.parsers.FormParser", "core.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "access.filters.VisibleFilterBackend",
        "core.search.RecordSearchFilter",
        "core.ordering.TotalOrderingFilter",
    ],
    # JSON only: the browsable API's forms list related records and take seconds to draw at
    # national scale. The quick start with DEBUG=1 (config.settings.local) adds it back.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's negotiation, with a short way when the answer is known (JSON asked for or anything).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.JsonContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    # Counted in each web process's local cache: a Redis outage must not fail every API call. Keyed on
    # the client address of core.client_address (X-Forwarded-For only from TRUSTED_PROXIES).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonAddressRateThrottle",
        "core.throttling.UserAddressRateThrottle",
        "core.throttling.ScopedAddressRateThrottle",
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
    # Swagger UI from this site (drf-spectacular-sidecar), never a CDN: the CSP allows 'self' only.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The answers every endpoint can give (403, 429, 503, 400, 404, 413) are listed on each operation.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.add_common_error_responses",
                             "core.schema.sensitive_fields_not_required"],
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
        "FamilyChangeKindEnum": "risk.services.FAMILY_CHANGE_KIND_CHOICES",
        "CaseNoteKindEnum": "cases.models.CaseNote.Kind",
        "OutcomeEnum": "cases.models.CaseOutcome",
        "DeviceRecordOutcomeEnum": "visitkit.models.DeviceRecord.Outcome",
        "ConflictReasonEnum": "visitkit.models.DeviceRecord.ConflictReason",
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "otbasy@localhost")
# The site's address as its users open it (https://otbasy.example.kz): an e-mailed notification ends
# with the links the inbox gives (the family's page, the case); none without it.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    # LOG_FORMAT=json in production gives one JSON object per line.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": os.environ.get("LOG_FORMAT", "plain")}},
    # A refused request (401/403) is one warning line (user id, path, status), without Django's traceback.
    "filters": {"refusals": {"()": "core.logging.RefusalFilter"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # fontTools logs ~40 INFO lines per font subset (every case-file PDF): its warnings are enough.
        "fontTools": {"level": "WARNING"},
        "django.request": {"filters": ["refusals"]},
    },
}
