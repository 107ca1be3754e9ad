"""Accord settings, read from ACCORD_* environment variables and DATABASE_URL.

Every variable is documented in docs/configuration.env. A small office runs Accord with
no variable set at all: SQLite in var/, tasks run in the web process, mail to the console.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("ACCORD_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """ACCORD_SECRET_KEY, or a key generated into var/ on first start and kept."""
    if key := os.environ.get("ACCORD_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        # Written aside and linked into place: processes starting together agree on one key.
        draft = VAR_DIR / f".secret_key.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(64))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("ACCORD_DEBUG")
ALLOWED_HOSTS = env_list("ACCORD_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("ACCORD_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get(
    "ACCORD_SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_countries",
    # django-ninja's own copy of Swagger UI for the API's documentation page, rather than
    # one loaded from a CDN.
    "ninja",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "accord.core",
    "accord.institutions",
    "accord.agreements",
    "accord.centers",
    "accord.mobility",
    "accord.analytics",
    "accord.interop",
    "accord.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accord.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "accord.core.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accord.core.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.core.context_processors.accord",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL names another (PostgreSQL for many processes).
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.config(conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "accord.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock
                # at the start of a transaction, which serialises writers instead of failing them.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "accord.core.auth.UsernameOrEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Failed logins (core/throttle.py): after this many failures of one account from one address,
# or from one address at any accounts, within the window, each further attempt from there
# waits 1, 2, 4, ... seconds after the last failure, up to the longest delay.
LOGIN_FAILURE_LIMIT = int(os.environ.get("ACCORD_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_IP_LIMIT = int(os.environ.get("ACCORD_LOGIN_FAILURE_IP_LIMIT", "30"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("ACCORD_LOGIN_FAILURE_WINDOW", "900"))
LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("ACCORD_LOGIN_DELAY_MAX", "300"))
# Password-reset mail: one per e-mail address per interval, and this many per client address
# an hour.
PASSWORD_RESET_INTERVAL_SECONDS = int(os.environ.get("ACCORD_PASSWORD_RESET_INTERVAL", "300"))
PASSWORD_RESET_IP_LIMIT = int(os.environ.get("ACCORD_PASSWORD_RESET_IP_LIMIT", "5"))
# Reverse proxies in front of Accord that append the client's address to X-Forwarded-For
# (nginx, a load balancer). 0: the address of the connection is the client's.
ACCORD_PROXY_COUNT = int(os.environ.get("ACCORD_PROXY_COUNT", "0"))

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("kk", _("Kazakh")),
    ("az", _("Azerbaijani")),
    ("pl", _("Polish")),
]
# thirdparty/ completes Django's and django-countries' catalogs where they lack these languages.
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "locale" / "thirdparty"]
TIME_ZONE = os.environ.get("ACCORD_TIME_ZONE", "UTC")
FORMAT_MODULE_PATH = ["accord.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"  # never served directly: downloads go through permission-checked views
MEDIA_ROOT = Path(os.environ.get("ACCORD_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "ACCORD_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
    },
    "staticfiles": {
        "BACKEND": "accord.core.staticfiles.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ACCORD_DOCUMENT_MAX_BYTES = int(os.environ.get("ACCORD_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))
ACCORD_PHOTO_MAX_BYTES = int(os.environ.get("ACCORD_PHOTO_MAX_BYTES", 10 * 1024 * 1024))
ACCORD_MOBILITY_IMPORT_MAX_BYTES = int(
    os.environ.get("ACCORD_MOBILITY_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Background tasks: run in the web process unless a worker (`accord worker`) is deployed.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if os.environ.get("ACCORD_TASKS", "immediate") == "database"
        else "django_tasks.backends.immediate.ImmediateBackend",
    }
}

# Days before an agreement's end at which each party's coordinator is reminded.
ACCORD_REMINDER_DAYS = [int(d) for d in env_list("ACCORD_REMINDER_DAYS", "90,30")]
ACCORD_DEMO_PASSWORD = os.environ.get("ACCORD_DEMO_PASSWORD", "accord-demo")

# Mail: the console unless an SMTP host is given.
DEFAULT_FROM_EMAIL = os.environ.get("ACCORD_FROM_EMAIL", "Accord <accord@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("ACCORD_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["ACCORD_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("ACCORD_SMTP_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("ACCORD_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("ACCORD_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("ACCORD_SMTP_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Behind HTTPS (ACCORD_HTTPS=1) cookies are secure and browsers are told to stay on HTTPS.
if env_bool("ACCORD_HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("ACCORD_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("ACCORD_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Load balancers check health over plain HTTP: /healthz answers there, never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles, images and requests from Accord's own address only; no plug-ins, no
# framing, forms sent only to Accord. Inline styles are allowed (bars' widths, the htmx
# indicator), inline scripts are not: pages declare behaviour in data attributes that
# static/accord/app.js acts on.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ACCORD_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

SILENCED_SYSTEM_CHECKS: list[str] = []

# Kosovo has no ISO 3166 code yet; XK is the user-assigned code that EWP and the EU use.
COUNTRIES_OVERRIDE = {"XK": _("Kosovo")}
