"""Settings, read once from environment variables. `.env.example` lists every one."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import ParseException, crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LERNSTATT_VAR_DIR", BASE_DIR / "var"))

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_schedule(name: str, default: str) -> crontab | float | None:
    """A periodic task's schedule: a crontab "minute hour day month weekday" (in
    TIME_ZONE), or a number of seconds between runs; empty means never. A malformed
    value stops the start with an error naming the variable."""
    value = os.environ.get(name)
    value = (default if value is None else value).strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if seconds <= 0:
            raise ImproperlyConfigured(f"{name}={value!r}: a number of seconds must be positive.")
        return seconds
    fields = value.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f"{name}={value!r}: expected a crontab of five fields, minute hour day month "
            f'weekday (e.g. "15 * * * *"), a number of seconds, or nothing to turn it off.'
        )
    minute, hour, day, month, weekday = fields
    try:
        return crontab(
            minute=minute,
            hour=hour,
            day_of_month=day,
            month_of_year=month,
            day_of_week=weekday,
        )
    except (ValueError, ParseException) as exc:
        raise ImproperlyConfigured(f"{name}={value!r}: {exc}") from exc


# The demo (`make run`, LERNSTATT_DEMO=1) behaves as production does: the product's own
# error pages, no debug pages, no query log. It is served on this machine only, over plain
# HTTP, so it keeps what development has: the fixed key, loopback hosts, no HTTPS.
DEMO = env_bool("LERNSTATT_DEMO", False)
DEBUG = env_bool("DJANGO_DEBUG", not DEMO)
LOCAL_ONLY = DEBUG or DEMO
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "" if not LOCAL_ONLY else _DEV_SECRET_KEY)
if not LOCAL_ONLY and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=0 needs DJANGO_SECRET_KEY set to a random value of at least 50 characters."
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if LOCAL_ONLY else "")
if DEMO:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
if not LOCAL_ONLY and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_DEBUG=0 needs DJANGO_ALLOWED_HOSTS (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core",
    "imports",
    "inventory",
    "accounts",
    "scheduling",
    "stocktaking",
    "demo",
    "reports",
    "privacy",
    "portal",
    # Login throttling (AXES_* below) and the Content-Security-Policy header.
    "axes",
    "csp",
    # The API docs (/api/docs) with Swagger UI from django-ninja's own static files: without
    # it ninja loads them from a CDN, which the Content-Security-Policy blocks.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.RejectNulMiddleware",
    "core.middleware.ApiMethodNotAllowedMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lernstatt.urls"
WSGI_APPLICATION = "lernstatt.wsgi.application"
AUTH_USER_MODEL = "core.User"
# First the login throttle (it refuses a locked-out username+address before any password
# is checked), then local passwords; then teachers and admins may use their directory
# password (the directory login), as long as a directory is configured.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.directory.login.DirectoryBackend",
]
LOGIN_URL = "login"
# Login throttling (django-axes): after this many failed logins of one username from one
# address, that combination is refused for the cool-off time, even with the right
# password; other users and other addresses are not affected. API tokens are not
# throttled: a token is 256 random bits, not a password to guess.
LERNSTATT_LOGIN_FAILURE_LIMIT = env_int("LERNSTATT_LOGIN_FAILURE_LIMIT", 5)
LERNSTATT_LOGIN_COOLOFF_MINUTES = env_int("LERNSTATT_LOGIN_COOLOFF_MINUTES", 15)
AXES_FAILURE_LIMIT = LERNSTATT_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LERNSTATT_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures are counted for the name as every login path compares it (username_normalise):
# "First.Last" and "first.last" are one name, not two with five guesses each.
AXES_USERNAME_CALLABLE = "core.usernames.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
# Successful logins are not recorded by axes (no second log of staff addresses); the
# failed attempts it keeps hold username, address and browser until the cool-off ends.
AXES_DISABLE_ACCESS_LOG = True
# No banner on every start (management commands, workers); failed logins are still logged.
AXES_VERBOSE = False
# Behind a reverse proxy every request comes from the proxy's address: with
# LERNSTATT_PROXY_COUNT proxies in front, the client address is read from
# X-Forwarded-For instead (only set this when the proxy overwrites that header).
LERNSTATT_PROXY_COUNT = env_int("LERNSTATT_PROXY_COUNT", 0)
if LERNSTATT_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = LERNSTATT_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.navigation.navigation",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'lernstatt.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction, so two writers queue instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A test database of its own for every test run, so two runs at once never share a
    # file; the processes a run starts (servers, workers) inherit its name.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.setdefault(
            "LERNSTATT_TEST_DATABASE", str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
        )
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not LOCAL_ONLY
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The demo serves the static files from the apps' folders, as runserver does while DEBUG.
WHITENOISE_USE_FINDERS = DEMO
WHITENOISE_AUTOREFRESH = DEMO

# Uploads: files larger than this are refused before they are read.
LERNSTATT_IMPORT_MAX_BYTES = env_int("LERNSTATT_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
LERNSTATT_IMPORT_MAX_ROWS = env_int("LERNSTATT_IMPORT_MAX_ROWS", 200_000)
# An uploaded file is deleted when its import is applied, and after this many days when
# it was left waiting for confirmation or failed (import_files_purge).
LERNSTATT_IMPORT_KEEP_DAYS = env_int("LERNSTATT_IMPORT_KEEP_DAYS", 7)
LERNSTATT_IMPORT_PURGE_SCHEDULE = env_schedule("LERNSTATT_IMPORT_PURGE_SCHEDULE", "45 2 * * *")
# An import being checked or applied that has given no sign of life for this many minutes
# was cut off (its worker died) and is marked failed (import_jobs_mark_stale), on
# the next look at it and by the periodic task below.
LERNSTATT_IMPORT_STALE_MINUTES = env_int("LERNSTATT_IMPORT_STALE_MINUTES", 15)
LERNSTATT_IMPORT_STALE_SCHEDULE = env_schedule("LERNSTATT_IMPORT_STALE_SCHEDULE", "*/5 * * * *")
# Open data (/reports/open-data.json and .csv): who publishes the figures.
LERNSTATT_OPEN_DATA_PUBLISHER = os.environ.get(
    "LERNSTATT_OPEN_DATA_PUBLISHER", "Schulträger – Schul-IT der Stadt"
)
# The city as the loan agreement names it, the Schulträger: "Zwischen der <name> als
# Schulträger …", e.g. "Stadt Musterstadt" or "Landeshauptstadt Musterstadt".
LERNSTATT_CITY_NAME = os.environ.get("LERNSTATT_CITY_NAME", "").strip() or "Stadt"
# Asset labels (inventory.labels): the address Lernstatt is opened at, for the QR code of
# each label (<base>/d/<asset tag>; with any path prefix Lernstatt is served under), and
# the owner line printed on them.
LERNSTATT_BASE_URL = (
    os.environ.get("LERNSTATT_BASE_URL", "").strip().rstrip("/") or "http://127.0.0.1:8000"
)
LERNSTATT_LABEL_OWNER = (
    os.environ.get("LERNSTATT_LABEL_OWNER", "").strip() or f"Eigentum der {LERNSTATT_CITY_NAME}"
)
# Accounts: login names (logins_assign) and initial passwords (password_generate).
LERNSTATT_LOGIN_PATTERN = os.environ.get("LERNSTATT_LOGIN_PATTERN", "{first}.{last}")
# e.g. "{code}" so teachers log in with their Kürzel
LERNSTATT_LOGIN_PATTERN_TEACHER = (
    os.environ.get("LERNSTATT_LOGIN_PATTERN_TEACHER") or LERNSTATT_LOGIN_PATTERN
)
LERNSTATT_LOGIN_REUSE_DAYS = env_int("LERNSTATT_LOGIN_REUSE_DAYS", 365)
LERNSTATT_PASSWORD_LENGTH = env_int("LERNSTATT_PASSWORD_LENGTH", 10)
LERNSTATT_PASSWORD_SYMBOLS = env_bool("LERNSTATT_PASSWORD_SYMBOLS", False)
# Initial passwords wait, encrypted with this key (default: derived from DJANGO_SECRET_KEY),
# until they are printed on a class list, for at most this many days (initial_passwords_keep).
LERNSTATT_PASSWORD_KEY = os.environ.get("LERNSTATT_PASSWORD_KEY", "")
LERNSTATT_INITIAL_PASSWORD_DAYS = env_int("LERNSTATT_INITIAL_PASSWORD_DAYS", 30)
# Days a person missing from the school's roster stays tolerated (the account works) until
# it is disabled, and then disabled until it is deleted.
LERNSTATT_TOLERATE_DAYS_STUDENT = env_int("LERNSTATT_TOLERATE_DAYS_STUDENT", 30)
LERNSTATT_DELETE_DAYS_STUDENT = env_int("LERNSTATT_DELETE_DAYS_STUDENT", 60)
LERNSTATT_TOLERATE_DAYS_TEACHER = env_int("LERNSTATT_TOLERATE_DAYS_TEACHER", 60)
LERNSTATT_DELETE_DAYS_TEACHER = env_int("LERNSTATT_DELETE_DAYS_TEACHER", 90)
# Privacy (privacy/): days after a person's deletion until their personal data is
# erased (loans and device history stay, anonymised), and days the access log is kept.
LERNSTATT_PERSON_ERASE_DAYS = env_int("LERNSTATT_PERSON_ERASE_DAYS", 90)
LERNSTATT_ACCESS_LOG_DAYS = env_int("LERNSTATT_ACCESS_LOG_DAYS", 365)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Celery: with no broker, tasks run eagerly in the web process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL) or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic work, sent by the one `celery beat` process (see env_schedule for the format):
# the directory sync of all schools, and the daily step of people who left (tolerated →
# disabled → deleted) with the purge of initial passwords nobody printed.
LERNSTATT_DIRECTORY_SYNC_SCHEDULE = env_schedule("LERNSTATT_DIRECTORY_SYNC_SCHEDULE", "15 * * * *")
LERNSTATT_LIFECYCLE_SCHEDULE = env_schedule("LERNSTATT_LIFECYCLE_SCHEDULE", "30 2 * * *")
# The erasure of deleted people, and the purge of old access log entries and released logins.
LERNSTATT_PERSON_ERASE_SCHEDULE = env_schedule("LERNSTATT_PERSON_ERASE_SCHEDULE", "0 3 * * *")
# Loans: the e-mail reminders (loan_reminders_send), and a pass of the waiting
# requests over all devices (a device that came free is also allocated at once).
LERNSTATT_LOAN_REMINDER_SCHEDULE = env_schedule("LERNSTATT_LOAN_REMINDER_SCHEDULE", "0 7 * * *")
LERNSTATT_LOAN_ALLOCATE_SCHEDULE = env_schedule("LERNSTATT_LOAN_ALLOCATE_SCHEDULE", "*/15 * * * *")
CELERY_BEAT_SCHEDULE = {
    name: {"task": task, "schedule": schedule}
    for name, task, schedule in (
        (
            "directory-sync",
            "accounts.tasks.directory_sync_scheduled",
            LERNSTATT_DIRECTORY_SYNC_SCHEDULE,
        ),
        ("people-lifecycle", "accounts.tasks.people_lifecycle_daily", LERNSTATT_LIFECYCLE_SCHEDULE),
        ("people-erase", "privacy.tasks.privacy_nightly", LERNSTATT_PERSON_ERASE_SCHEDULE),
        (
            "loan-reminders",
            "scheduling.tasks.send_loan_reminders",
            LERNSTATT_LOAN_REMINDER_SCHEDULE,
        ),
        ("loan-allocate", "scheduling.tasks.allocate_waiting", LERNSTATT_LOAN_ALLOCATE_SCHEDULE),
        (
            "import-files-purge",
            "inventory.tasks.import_files_purge",
            LERNSTATT_IMPORT_PURGE_SCHEDULE,
        ),
        (
            "import-jobs-mark-stale",
            "inventory.tasks.import_jobs_mark_stale",
            LERNSTATT_IMPORT_STALE_SCHEDULE,
        ),
    )
    if schedule is not None
}
# Where beat remembers when each task last ran.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# The schools' LDAP directory. Empty LDAP_URL: no directory; everything else still works.
# ldaps://host:636, or ldap://host:389 with StartTLS (the default). No trailing slash.
LDAP_URL = os.environ.get("LDAP_URL", "").rstrip("/")
LDAP_START_TLS = env_bool("LDAP_START_TLS", True)
LDAP_BIND_DN = os.environ.get("LDAP_BIND_DN", "")
LDAP_BIND_PASSWORD = os.environ.get("LDAP_BIND_PASSWORD", "")
# The entry below which Lernstatt keeps ou=schools; nothing outside it is touched.
LDAP_BASE_DN = os.environ.get("LDAP_BASE_DN", "")
# Whole seconds (ldap3 needs integers): to open a connection, and to wait for one answer.
LDAP_CONNECT_TIMEOUT = env_int("LDAP_CONNECT_TIMEOUT", 5)
LDAP_TIMEOUT = env_int("LDAP_TIMEOUT", 30)
# PEM file with the CA of the server's certificate. Empty: the system's CA store.
LDAP_CA_FILE = os.environ.get("LDAP_CA_FILE", "")
# Checking the server's certificate: "required" (the default: a certificate that does
# not check out ends the connection), "optional" (checked when the server sends one) or
# "none" (not checked at all: only for a test directory, never with real accounts).
LDAP_TLS_VERIFY = os.environ.get("LDAP_TLS_VERIFY", "required").strip().lower() or "required"
if LDAP_TLS_VERIFY not in {"required", "optional", "none"}:
    raise ImproperlyConfigured(
        f"LDAP_TLS_VERIFY={LDAP_TLS_VERIFY!r}: expected required, optional or none."
    )
# Login shell of the directory's accounts; the default allows no shell login.
LDAP_LOGIN_SHELL = os.environ.get("LDAP_LOGIN_SHELL", "/usr/sbin/nologin")
# First uidNumber / gidNumber Lernstatt hands out; numbers already taken are skipped.
LDAP_UID_NUMBER_START = env_int("LDAP_UID_NUMBER_START", 10000)
LDAP_GID_NUMBER_START = env_int("LDAP_GID_NUMBER_START", 10000)
# A running directory sync that has shown no sign of life for this many minutes was cut
# off (its worker stopped): it is marked failed and no longer blocks the next sync.
LERNSTATT_SYNC_STALE_MINUTES = env_int("LERNSTATT_SYNC_STALE_MINUTES", 15)
if not LOCAL_ONLY and LDAP_URL.startswith("ldap://") and not LDAP_START_TLS:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=0 with an ldap:// LDAP_URL needs LDAP_START_TLS=1 (or use ldaps://)."
    )

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "lernstatt@localhost")
# Seconds to wait for the mail server: a reminder is sent while its record is being written.
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 30)
# Loan reminders: this many days before the last day, then every so many days while overdue.
LERNSTATT_LOAN_REMINDER_DAYS_BEFORE = env_int("LERNSTATT_LOAN_REMINDER_DAYS_BEFORE", 3)
LERNSTATT_LOAN_OVERDUE_REMINDER_EVERY_DAYS = env_int(
    "LERNSTATT_LOAN_OVERDUE_REMINDER_EVERY_DAYS", 7
)
if LERNSTATT_LOAN_REMINDER_DAYS_BEFORE < 0 or LERNSTATT_LOAN_OVERDUE_REMINDER_EVERY_DAYS < 1:
    raise ImproperlyConfigured(
        "LERNSTATT_LOAN_REMINDER_DAYS_BEFORE must be 0 or more and "
        "LERNSTATT_LOAN_OVERDUE_REMINDER_EVERY_DAYS 1 or more."
    )

if not LOCAL_ONLY:
    # Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Security headers on every response. Strict: only Lernstatt's own files, no inline script
# or style (templates use classes from lernstatt.css), no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page of Lernstatt uses (the Permissions-Policy header).
LERNSTATT_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"
)
# Cookies: never readable by scripts (the session; the CSRF token is read from the form,
# never from the cookie), sent on links from elsewhere but not on their posts.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A school day: after this many hours a session ends and its user logs in again.
SESSION_COOKIE_AGE = env_int("LERNSTATT_SESSION_HOURS", 8) * 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LERNSTATT_LOG_LEVEL", "INFO")},
}
