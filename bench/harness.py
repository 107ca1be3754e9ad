"""What the benchmarks share: their own database, the median of timed runs, the machine they
ran on, and their section of docs/benchmarks.md. Import it before Django is set up."""

import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"


def masked(url: str) -> str:
    """The database URL with its password starred, to print in the results."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def use_bench_database(var_dir: str, database: str) -> str:
    """Point settings at the benchmark's own database, SQLite in var/`var_dir` or the
    PostgreSQL database `database` (created when missing) on the server DATABASE_URL names;
    return the engine's name."""
    os.environ["ACCORD_VAR_DIR"] = str(ROOT / "var" / var_dir)
    os.environ.pop("ACCORD_DEBUG", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        os.environ.pop("DATABASE_URL", None)
        return "SQLite"
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            connection.execute(f"CREATE DATABASE {database}")
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{database}"))
    return "PostgreSQL"


def median_ms(action: Callable[[], Any], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def interleaved_medians(
    first: Callable[[], Any], second: Callable[[], Any], runs: int
) -> tuple[float, float]:
    """Median ms of two actions timed in turns, so that a busy moment of a shared machine
    weighs on both rather than on whichever ran through it: their ratio is what is compared."""
    firsts, seconds = [], []
    for _ in range(runs):
        for action, samples in ((first, firsts), (second, seconds)):
            started = time.perf_counter()
            action()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(firsts), statistics.median(seconds)


def serve_test_client() -> None:
    """Settings for requests made with django.test.Client, once Django is set up: its host,
    and static files by their plain names, so that no collectstatic is needed (a manifest
    lookup is a dictionary read, which does not change what is measured)."""
    from django.conf import settings
    from django.test import override_settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()


def machine_facts() -> list[tuple[str, str]]:
    """The machine, the software and the system, once Django is set up."""
    import django
    from django.db import connection

    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]} (WAL)"
    load = ""
    if hasattr(os, "getloadavg"):
        load = f"; load average {os.getloadavg()[0]:.1f} when measured"
    return [
        ("Machine", f"{os.cpu_count()} cores ({cpu}){memory}{load}"),
        (
            "Software",
            f"Python {platform.python_version()}, Django {django.get_version()}, {database}",
        ),
        ("System", f"{platform.system()} {platform.release()}"),
    ]


def write_section(marker: str, text: str, *, empty: str = "# Benchmarks\n") -> None:
    """Put `text` (which starts with <!-- bench:MARKER --> and ends with its closing marker)
    in place of that section of docs/benchmarks.md, or at its end the first time."""
    current = DOC.read_text() if DOC.exists() else empty
    pattern = re.compile(
        rf"<!-- bench:{re.escape(marker)} -->.*?<!-- /bench:{re.escape(marker)} -->", re.S
    )
    if pattern.search(current):
        current = pattern.sub(lambda _match: text, current)
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    DOC.write_text(current)
