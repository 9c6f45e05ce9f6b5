"""Django settings. Everything that differs between machines comes from the environment.

Embedded default (no variables set): SQLite in ``var/`` and a broker in a SQLite file, so
``make run`` needs no server. Production sets ``DATABASE_URL`` and ``BROKER_URL``.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from claimdesk.env import (
    broker_transport_options,
    envbool,
    envint,
    envstr,
    secret_key_weakness,
)

BASE_DIR = Path(__file__).resolve().parent
_CHECKOUT = BASE_DIR.parent.parent
_DEFAULT_VAR = _CHECKOUT / "var" if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd() / "var"
VAR_DIR = Path(envstr("CLAIMDESK_VAR_DIR", str(_DEFAULT_VAR))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("CLAIMDESK_DEBUG", False)
# Production (CLAIMDESK_INSECURE_DEV=0): a strong secret key is required and HTTPS-only
# transport is the default (docs/deploy.md).
PRODUCTION = not envbool("CLAIMDESK_INSECURE_DEV", True)
SECRET_KEY = envstr("CLAIMDESK_SECRET_KEY", "")
if PRODUCTION:
    if not SECRET_KEY:
        raise ImproperlyConfigured("CLAIMDESK_SECRET_KEY must be set in production")
    weakness = secret_key_weakness(SECRET_KEY)
    if weakness:
        raise ImproperlyConfigured(
            f"CLAIMDESK_SECRET_KEY is too weak for production: {weakness}. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
elif not SECRET_KEY:
    SECRET_KEY = "claimdesk-insecure-dev-key-change-me"
ALLOWED_HOSTS = [
    h for h in envstr("CLAIMDESK_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in envstr("CLAIMDESK_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# --- Transport security (production defaults on, each switchable; docs/deploy.md) ----------
# HTTPS only: plain HTTP is redirected, the browser told to stay on HTTPS (HSTS) and the
# session and CSRF cookies are never sent over HTTP.
SECURE_SSL_REDIRECT = envbool("CLAIMDESK_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = envint("CLAIMDESK_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("CLAIMDESK_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = envbool("CLAIMDESK_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_SECURE = envbool("CLAIMDESK_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a TLS-terminating proxy: the header it sets on HTTPS requests (e.g.
# X-Forwarded-Proto), trusted only when named here — the proxy must overwrite it.
_PROXY_SSL_HEADER = envstr("CLAIMDESK_PROXY_SSL_HEADER", "").strip()
if _PROXY_SSL_HEADER:
    if not re.fullmatch(r"[A-Za-z0-9-]+", _PROXY_SSL_HEADER):
        raise ImproperlyConfigured(
            f"CLAIMDESK_PROXY_SSL_HEADER={_PROXY_SSL_HEADER!r} is not a header name"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
# The Content-Security-Policy every page carries (claimdesk.web.csp): scripts and styles
# only from the site's own static files or with the response's nonce.
CLAIMDESK_CSP_REPORT_URI = envstr("CLAIMDESK_CSP_REPORT_URI", "").strip()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "claimdesk.workdays",
    "claimdesk.staff",
    "claimdesk.cases",
    "claimdesk.ledger",
    "claimdesk.policies",
    "claimdesk.claims",
    "claimdesk.servicing",
    "claimdesk.underwriting",
    "claimdesk.documents",
    "claimdesk.notify",
    # Before the apps below: where two catalogues translate one msgid, the earlier app's
    # translation wins, and the shared pages' words must not change with each new app.
    "claimdesk.web",
    "claimdesk.investigation",
    "claimdesk.payments",
    "claimdesk.recoveries",
    "claimdesk.notices",
    "claimdesk.service",
    "claimdesk.compliance",
    "claimdesk.assistant",
    "claimdesk.feedback",
    "claimdesk.stp",
    "claimdesk.partners",
    "claimdesk.analytics",
    "claimdesk.search",
    # Demo data (``claimdesk demo``): builds through the apps above, nothing imports it.
    "claimdesk.demo",
    # ``claimdesk backup`` / ``restore``: no models, imports no other app.
    "claimdesk.backup",
    # Failed-login records and lockouts (see "Logins" below).
    "claimdesk.staff.apps.LoginLockoutConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "claimdesk.web.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for a lockout into its answer (429 with Retry-After).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "claimdesk.urls"
WSGI_APPLICATION = "claimdesk.wsgi.application"

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
                "claimdesk.web.csp.nonce",
                "claimdesk.web.portal.portal",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'claimdesk.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(envstr("DATABASE_URL", _default_db), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, reading timestamps with psycopg's own (C) loader: see its docstring.
    DATABASES["default"]["ENGINE"] = "claimdesk.pgbackend"
    # Persistent connections: a new PostgreSQL connection per request costs milliseconds.
    DATABASES["default"]["CONN_MAX_AGE"] = envint("CLAIMDESK_DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server: psycopg prepares a statement the fifth time its text
    # recurs on a connection, so the ORM's repeated queries are not planned again (about a
    # fifth of a business action's time). CLAIMDESK_DB_SERVER_BINDING=0 binds them in the
    # client instead, e.g. behind a transaction-pooling PgBouncer that cannot keep them.
    if envbool("CLAIMDESK_DB_SERVER_BINDING", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the embedded worker writes; IMMEDIATE avoids
    # "database is locked" upgrades in write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# --- Logins: throttling and lockout (django-axes) --------------------------------------------
# The lockout backend runs first and refuses a locked-out login before the password is
# checked, so the right password is refused too while locked. Both logins (the page and
# POST /api/v1/auth/token) count: CLAIMDESK_LOGIN_FAILURE_LIMIT wrong passwords lock for
# CLAIMDESK_LOGIN_COOLOFF_MINUTES (each attempt while locked starts the wait again), counted
# per username and address by default (an attacker cannot lock a person out from elsewhere);
# CLAIMDESK_LOGIN_LOCKOUT_BY=username locks the account whatever the address. An
# administrator unlocks in the admin (Access attempts, or the action on Users) or with
# ``claimdesk unlock-login USERNAME``. docs/operations.md has the reasons.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
CLAIMDESK_LOGIN_FAILURE_LIMIT = envint("CLAIMDESK_LOGIN_FAILURE_LIMIT", 20)
CLAIMDESK_LOGIN_COOLOFF_MINUTES = envint("CLAIMDESK_LOGIN_COOLOFF_MINUTES", 30)
if CLAIMDESK_LOGIN_FAILURE_LIMIT < 1 or CLAIMDESK_LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured(
        "CLAIMDESK_LOGIN_FAILURE_LIMIT and CLAIMDESK_LOGIN_COOLOFF_MINUTES must be ≥ 1"
    )
_LOCKOUT_BY = {
    "username+address": [["username", "ip_address"]],
    "username": ["username"],
    "address": ["ip_address"],
}
_lockout_by = envstr("CLAIMDESK_LOGIN_LOCKOUT_BY", "username+address").strip()
if _lockout_by not in _LOCKOUT_BY:
    raise ImproperlyConfigured(
        f"CLAIMDESK_LOGIN_LOCKOUT_BY={_lockout_by!r}: use one of {', '.join(_LOCKOUT_BY)}"
    )
AXES_LOCKOUT_PARAMETERS = _LOCKOUT_BY[_lockout_by]
AXES_FAILURE_LIMIT = CLAIMDESK_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=CLAIMDESK_LOGIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = True  # a person's occasional typos do not add up across days
AXES_LOCKOUT_CALLABLE = "claimdesk.staff.lockout.lockout_response"
AXES_VERBOSE = False
# The client's address is the connection's unless CLAIMDESK_LOGIN_PROXY_COUNT proxies that
# set X-Forwarded-For stand in front: a header the client writes itself must not pick the
# address it is counted under.
_PROXY_COUNT = envint("CLAIMDESK_LOGIN_PROXY_COUNT", 0)
if _PROXY_COUNT > 0:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    AXES_IPWARE_PROXY_COUNT = _PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- API tokens ------------------------------------------------------------------------------
# How long a bearer token from POST /api/v1/auth/token lasts (default 30 days).
CLAIMDESK_TOKEN_LIFETIME_HOURS = envint("CLAIMDESK_TOKEN_LIFETIME_HOURS", 30 * 24)
if CLAIMDESK_TOKEN_LIFETIME_HOURS < 1:
    raise ImproperlyConfigured("CLAIMDESK_TOKEN_LIFETIME_HOURS must be ≥ 1")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = envstr("BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}")
CELERY_RESULT_BACKEND = envstr("CLAIMDESK_RESULT_BACKEND", "") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ALWAYS_EAGER = envbool("CLAIMDESK_TASKS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged when it has finished, not when it starts: one whose worker process
# dies is given back to the queue (at once when a pool child dies; when the whole worker
# dies, by the broker once the visibility timeout has passed). Every task is idempotent, so
# running one again changes nothing that was already done.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis (and SQS) hand an unacknowledged task to another worker after this many seconds: a
# killed worker's task runs again within about two minutes. Longer than any task runs, and
# retries wait less than it (a task waiting for its countdown holds its message unacked).
CLAIMDESK_VISIBILITY_TIMEOUT = envint("CLAIMDESK_VISIBILITY_TIMEOUT", 120)
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL, CLAIMDESK_VISIBILITY_TIMEOUT
)
CELERY_TASK_ANNOTATIONS = {"*": {"retry_backoff_max": max(1, CLAIMDESK_VISIBILITY_TIMEOUT // 2)}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "deadline-sweep": {
        "task": "claimdesk.cases.tasks.deadline_sweep",
        "schedule": float(envint("CLAIMDESK_SWEEP_SECONDS", 60)),
    },
    # Dispatch is triggered on commit; this pass hands over what an interrupted trigger left.
    "timeline-dispatch": {
        "task": "claimdesk.cases.tasks.timeline_dispatch",
        "schedule": float(envint("CLAIMDESK_SWEEP_SECONDS", 60)),
    },
    # Delivery is triggered on commit; this pass picks up whatever a failure or a broker
    # outage left pending.
    "claims-chase-missing-items": {
        "task": "claimdesk.claims.tasks.claims_chase_missing_items",
        "schedule": 3600.0,
    },
    "stp-sweep": {
        "task": "claimdesk.stp.tasks.stp_sweep",
        "schedule": 300.0,
    },
    # Pre-authorisations past their time give their room back.
    "partners-sweep": {
        "task": "claimdesk.partners.tasks.partners_sweep",
        "schedule": 3600.0,
    },
    "documents-ocr-sweep": {
        "task": "claimdesk.documents.tasks.documents_ocr_sweep",
        "schedule": 300.0,
    },
    "notifications-deliver": {
        "task": "claimdesk.notify.tasks.notifications_deliver",
        "schedule": float(envint("CLAIMDESK_SWEEP_SECONDS", 60)),
    },
    "claims-interim-payment": {
        "task": "claimdesk.claims.tasks.claims_interim_payment_tasks",
        "schedule": 3600.0,
    },
    # Surveys after closure (and their one reminder) and proactive-service triggers.
    "feedback-sweep": {
        "task": "claimdesk.feedback.tasks.feedback_sweep",
        "schedule": 3600.0,
    },
    # Renewal premiums: reminders before due and during grace, lapse at the end of grace.
    "servicing-premium-sweep": {
        "task": "claimdesk.servicing.tasks.premium_sweep",
        "schedule": 3600.0,
    },
    "servicing-survival-sweep": {
        "task": "claimdesk.servicing.tasks.survival_sweep",
        "schedule": 3600.0,
    },
    # Chain heads to the append-only checkpoint file, so a cut tail is found later.
    "ledger-checkpoint": {
        "task": "claimdesk.ledger.tasks.ledger_checkpoint",
        "schedule": float(envint("CLAIMDESK_LEDGER_CHECKPOINT_SECONDS", 300)),
    },
    "compliance-qa-sample": {
        "task": "claimdesk.compliance.tasks.qa_sample_week",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
    },
}

# --- ClaimDesk ------------------------------------------------------------------------------
# Where customers reach the portal (absolute links in messages, e.g. survey links); empty:
# links are site-relative.
CLAIMDESK_PUBLIC_URL = envstr("CLAIMDESK_PUBLIC_URL", "")
CLAIMDESK_BUSINESS_HOURS = envstr("CLAIMDESK_BUSINESS_HOURS", "09:00-18:00")
CLAIMDESK_SWEEP_BATCH = envint("CLAIMDESK_SWEEP_BATCH", 500)
CLAIMDESK_CHASE_WORKING_DAYS = envint("CLAIMDESK_CHASE_WORKING_DAYS", 3)
CLAIMDESK_UPLOAD_MAX_BYTES = envint("CLAIMDESK_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
CLAIMDESK_OCR_MAX_PAGES = envint("CLAIMDESK_OCR_MAX_PAGES", 10)
# The evidence ledger's checkpoints of chain heads: an append-only file, best on storage the
# database's users cannot write (another host, a WORM bucket's mount, ``chattr +a``).
CLAIMDESK_LEDGER_CHECKPOINT_FILE = Path(
    envstr("CLAIMDESK_LEDGER_CHECKPOINT_FILE", str(VAR_DIR / "ledger-checkpoints.jsonl"))
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("CLAIMDESK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint and fontTools narrate every page they lay out at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "jieba": {"level": "WARNING"},
        # One WARNING per failed login and per lockout; not its INFO narration.
        "axes": {"level": "WARNING"},
    },
}

EMAIL_BACKEND = envstr(
    "CLAIMDESK_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = envstr("CLAIMDESK_FROM_EMAIL", "claimdesk@localhost")

# --- Notification channels (notify app) ----------------------------------------------------
# SMS goes to an HTTP gateway when CLAIMDESK_SMS_URL is set (POST JSON {to, text, id}, the key
# as a bearer token); without it every SMS is one JSON line in CLAIMDESK_SMS_LOG. Webhook
# endpoints are edited in the admin. Failed sends retry after RETRY_SECONDS × 2^(n-1); a row
# claimed by a worker that vanished is taken again after LEASE_SECONDS.
CLAIMDESK_SMS_URL = envstr("CLAIMDESK_SMS_URL", "").strip()
if CLAIMDESK_SMS_URL and not CLAIMDESK_SMS_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"CLAIMDESK_SMS_URL={CLAIMDESK_SMS_URL!r} is not an http(s) URL")
CLAIMDESK_SMS_KEY = envstr("CLAIMDESK_SMS_KEY", "")
CLAIMDESK_SMS_LOG = Path(envstr("CLAIMDESK_SMS_LOG", str(VAR_DIR / "sms-outbox.log")))
CLAIMDESK_NOTIFY_TIMEOUT = envint("CLAIMDESK_NOTIFY_TIMEOUT", 10)
CLAIMDESK_NOTIFY_RETRY_SECONDS = envint("CLAIMDESK_NOTIFY_RETRY_SECONDS", 60)
CLAIMDESK_NOTIFY_LEASE_SECONDS = envint("CLAIMDESK_NOTIFY_LEASE_SECONDS", 90)
if CLAIMDESK_NOTIFY_TIMEOUT < 1 or CLAIMDESK_NOTIFY_RETRY_SECONDS < 1:
    raise ImproperlyConfigured("CLAIMDESK_NOTIFY_TIMEOUT and _RETRY_SECONDS must be ≥ 1")
if CLAIMDESK_NOTIFY_LEASE_SECONDS < 2 * CLAIMDESK_NOTIFY_TIMEOUT:
    raise ImproperlyConfigured(
        "CLAIMDESK_NOTIFY_LEASE_SECONDS must be at least twice CLAIMDESK_NOTIFY_TIMEOUT"
    )
