"""Settings of the bare project: Accord's database, nothing else that Accord adds (no apps,
no middleware, no sessions, no translations)."""

from pathlib import Path

# The same database, with the same connection options (persistent connections, SQLite's WAL),
# as the Accord server beside it reads: the difference measured is Accord's own work.
from accord.settings import DATABASES

__all__ = ["DATABASES"]

SECRET_KEY = "bare-view-benchmark-only"  # noqa: S105 (signs nothing: no sessions, no forms)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bare_view.urls"
WSGI_APPLICATION = "bare_view.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
    }
]
USE_I18N = False
USE_TZ = True
