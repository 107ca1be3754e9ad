"""`accord serve`: collect static files, then run gunicorn in this process's place."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def gunicorn_executable() -> str:
    """The gunicorn installed beside this Python (the virtualenv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "gunicorn"
    if beside.exists():
        return str(beside)
    found = shutil.which("gunicorn")
    if found is None:
        raise CommandError("gunicorn is not installed: pip install gunicorn")
    return found


def gunicorn_argv() -> list[str]:
    bind = os.environ.get("ACCORD_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
    workers = os.environ.get("ACCORD_WEB_WORKERS", "2")
    threads = os.environ.get("ACCORD_WEB_THREADS", "4")
    return [
        "gunicorn",
        "accord.wsgi",
        "--bind",
        bind,
        "--workers",
        workers,
        # Threads, not gunicorn's default sync workers: a sync worker that accepts a connection
        # on which nothing is sent (browsers open such connections ahead of need) waits on it
        # until gunicorn's timeout kills it, 30 s later, and the requests behind it wait too.
        # A threaded worker watches idle connections and serves the others meanwhile.
        "--worker-class",
        "gthread",
        "--threads",
        threads,
        "--access-logfile",
        "-",
    ]


class Command(BaseCommand):
    help = (
        "Serve Accord with gunicorn. Binds 127.0.0.1:$PORT (8000 unless PORT is set); "
        "ACCORD_BIND (e.g. 0.0.0.0:8000 or unix:/run/accord.sock) overrides it. "
        "ACCORD_WEB_WORKERS sets the number of worker processes (2), ACCORD_WEB_THREADS "
        "the threads of each (4). Static files are "
        "collected first. Gunicorn replaces this process, so signals reach it directly. "
        "The daily housekeeping (`accord daily`) runs beside it unless ACCORD_DAILY=0."
    )
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--skip-collectstatic",
            action="store_true",
            help="Do not collect static files before starting.",
        )

    def handle(self, *args: str, **options: object) -> None:
        executable = gunicorn_executable()
        if not options["skip_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv()
        if os.environ.get("ACCORD_DAILY", "1") != "0":
            # The day's housekeeping (expiry, reminders) beside the web server; it ends when
            # gunicorn, which takes this process's place, ends.
            subprocess.Popen([sys.executable, "-m", "accord", "daily", "--repeat"])
        self.stderr.write(f"Serving Accord on {argv[argv.index('--bind') + 1]}")
        sys.stdout.flush()
        sys.stderr.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
        os.execv(executable, argv)  # noqa: S606
