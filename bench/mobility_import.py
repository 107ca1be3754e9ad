"""Benchmark of the mobility import: rows per second checked and written, and peak memory.

    .venv/bin/python bench/mobility_import.py                      # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/mobility_import.py   # PostgreSQL

For each size (5,000, 50,000 and 200,000 rows by default) generates a CSV file of new rows
and the same rows with one column changed, into var/bench/ (kept for the next run), in the
column layout of docs/mobility-import.md; optionally an XLSX file. Imports them into a fresh
database of its own (SQLite: var/bench/mobility-import/accord.sqlite3; PostgreSQL: the
database --database on the server DATABASE_URL names, dropped and created again), each import
in a process of its own so that its peak memory (ru_maxrss) is its own: the new rows, the same
file again (every row unchanged), then the changed file (every row updated). Goal: at least
20,000 rows/s for the whole import (count, check and write) of new and of changed rows, and
the same peak memory whatever the size. Results go to docs/benchmarks.md, one section per
engine.
"""

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from harness import ROOT, write_section

FILES = ROOT / "var" / "bench"
HOME_SLUG = "bench-home"
HOSTS = 300
GOAL = 20_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="5000,50000,200000",
        help="Rows of the CSV files, comma-separated.",
    )
    parser.add_argument("--xlsx-rows", type=int, default=0, help="Rows of an XLSX (0: none).")
    parser.add_argument(
        "--database",
        default="accord_bench_mobility_import",
        help="PostgreSQL: the benchmark's own database (dropped and created again).",
    )
    parser.add_argument("--no-write", action="store_true", help="Do not update the docs.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args()


def engine() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "PostgreSQL" if url.startswith(("postgres://", "postgresql://")) else "SQLite"


def bench_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment of the child processes: the benchmark's own, fresh database."""
    env = dict(os.environ)
    var_dir = FILES / "mobility-import"
    var_dir.mkdir(parents=True, exist_ok=True)
    env["ACCORD_VAR_DIR"] = str(var_dir)
    env.pop("ACCORD_DEBUG", None)
    env["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    if engine() == "SQLite":
        env.pop("DATABASE_URL", None)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{var_dir / 'accord.sqlite3'}{suffix}").unlink(missing_ok=True)
        return env
    import psycopg

    parts = urlsplit(os.environ["DATABASE_URL"])
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    name = args.database
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        sys.exit(f"--database {name}: use lower-case letters, digits and _.")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    return env


# Generated data ------------------------------------------------------------------------------

COUNTRIES = ["PL", "RU", "TR", "DE", "GB", "US", "AZ", "CZ", "KR", "CN", "FR", "IT", "HU"]


def host_rows() -> list[tuple[str, str, str]]:
    """(name, country, SCHAC code) of the host institutions the files refer to."""
    return [
        (f"Bench University {n}", COUNTRIES[n % len(COUNTRIES)], f"host{n}.bench.example")
        for n in range(HOSTS)
    ]


def generated_rows(count: int, prefix: str, changed: bool = False) -> Any:
    from accord.agreements.provisions import _isced
    from accord.mobility.importer.layout import COLUMN_NAMES

    rng = random.Random(count)
    isced = sorted(code for code in _isced() if len(code) == 4)
    hosts = host_rows()
    kinds = ["degree_study", "semester_exchange", "traineeship", "research_stay"]
    # Rows name no agreement, so none is paid from an agreement's own funds.
    fundings = ["government", "scholarship", "self_funded"]
    statuses = ["planned", "nominated", "ongoing"]
    first = dt.date(2015, 9, 1)
    yield list(COLUMN_NAMES)
    for n in range(count):
        name, _country, schac = hosts[rng.randrange(HOSTS)]
        start = first + dt.timedelta(days=rng.randrange(3650))
        end = start + dt.timedelta(days=rng.choice((120, 150, 300, 730, 1460)))
        done = end + dt.timedelta(days=10) < dt.date(2026, 1, 1) and rng.random() < 0.9
        status = "completed" if done else rng.choice(statuses[:3])
        returned = done and rng.random() < 0.8
        yield [
            f"{prefix}-{n:08d}",
            "student",
            rng.choice(("Aigerim", "Nursultan", "Dana", "Arman", "Madina", "Yerlan")),
            rng.choice(("Nurlanova", "Sadykov", "Akhmetova", "Bekov", "=HYPERLINK(1)")),
            f"p{n}@students.example",
            (dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(3000))).isoformat(),
            "KZ",
            "",
            "bench-home.example",
            "",
            schac if n % 3 else name,
            "",
            rng.choice(kinds),
            str(rng.choice((6, 7, 8))),
            rng.choice(isced),
            start.isoformat(),
            end.isoformat(),
            rng.choice(fundings),
            ("Bolashak" if n % 2 else "") + (" (renewed)" if changed else ""),
            status,
            ("yes" if returned else "no") if done else "",
            (end + dt.timedelta(days=10)).isoformat() if returned else "",
            "",
            "",
        ]


def make_csv(count: int, changed: bool = False) -> Path:
    """`count` rows with ids of their own (R<count>-...); `changed`: the same rows with the
    programme column changed on every row."""
    path = FILES / f"mobility-import-{count}{'-changed' if changed else ''}.csv"
    if not path.exists():
        started = time.monotonic()
        draft = path.with_suffix(".part")
        with draft.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(generated_rows(count, f"R{count}", changed))
        draft.rename(path)
        print(f"wrote {path} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return path


def make_xlsx(count: int) -> Path:
    from openpyxl import Workbook

    path = FILES / f"mobility-import-{count}.xlsx"
    if not path.exists():
        started = time.monotonic()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("mobilities")
        for row in generated_rows(count, "X"):
            sheet.append(row)
        draft = path.with_suffix(".part")
        workbook.save(draft)
        draft.rename(path)
        print(f"wrote {path} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return path


# The child: one import, measured ------------------------------------------------------------


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def cpu_seconds() -> float:
    """This process's processor time, which other processes on the machine do not inflate."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class SqlClock:
    """Time spent in the database during the write: every statement, and the COPY of rows
    (PostgreSQL), which bypasses Django's statement wrappers."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def statement(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started

    @contextlib.contextmanager
    def copies(self) -> Any:
        from django.db import connection

        from accord.mobility.importer import run

        load = run._load

        def timed(insert_sql: str, copy_sql: str, params: list[list[Any]]) -> None:
            if connection.vendor != "postgresql":
                return load(insert_sql, copy_sql, params)  # timed as a statement
            started = time.perf_counter()
            try:
                return load(insert_sql, copy_sql, params)
            finally:
                self.seconds += time.perf_counter() - started

        run._load = timed
        try:
            yield
        finally:
            run._load = load


def child(spec: str) -> None:
    """Set up the database (first child) or import one file; print the figures as JSON."""
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from accord.institutions.models import Institution
    from accord.mobility.importer import reading
    from accord.mobility.importer.run import check_file, write_file
    from accord.mobility.importer.stale import scratch_dir

    task = json.loads(spec)
    if task["what"] == "setup":
        call_command("migrate", verbosity=0)
        Institution.objects.create(
            slug=HOME_SLUG,
            name="Bench Home University",
            country="KZ",
            schac_code="bench-home.example",
        )
        Institution.objects.bulk_create(
            Institution(
                slug=f"bench-host-{n}",
                name=name,
                country=country,
                schac_code=schac,
                search_text=name.lower(),
            )
            for n, (name, country, schac) in enumerate(host_rows())
        )
        print(json.dumps({}))
        return

    path = Path(task["file"])
    home = Institution.objects.get(slug=HOME_SLUG)

    def opener() -> Any:
        return path.open("rb")

    base_mb = max_rss_mb()
    base_cpu = cpu_seconds()
    started = time.perf_counter()
    kind = reading.sniff(opener, path.name)
    total = reading.count_rows(opener, kind)
    counted = time.perf_counter()
    # As an import does: the check keeps the checked rows in a scratch folder for the write.
    scratch = scratch_dir(None)
    try:
        checked = check_file(opener, kind, institution=home, scratch=scratch, keep_rows=True)
        check_s = time.perf_counter() - counted
        check_mb = max_rss_mb()
        assert checked.ok, checked.report()["errors"][:5]
        kept_mb = checked.staged.stat().st_size / 2**20 if checked.staged else 0.0
        write_started = time.perf_counter()
        sql = SqlClock()
        with transaction.atomic(), connection.execute_wrapper(sql.statement), sql.copies():
            written = write_file(opener, kind, institution=home, actor=None, checked=checked)
        write_s = time.perf_counter() - write_started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(
        json.dumps(
            {
                "rows": checked.rows,
                "declared": total,
                "count_s": counted - started,
                "check_s": check_s,
                "write_s": write_s,
                "total_s": time.perf_counter() - started,
                "cpu_s": cpu_seconds() - base_cpu,
                "sql_s": sql.seconds,
                "base_mb": base_mb,
                "check_mb": check_mb,
                "kept_mb": kept_mb,
                "peak_mb": max_rss_mb(),
                "created": written.created,
                "updated": written.updated,
                "unchanged": written.unchanged,
            }
        )
    )


def run_child(env: dict[str, str], **task: Any) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - this same script, with arguments of its own
        [sys.executable, __file__, "--child", json.dumps(task)],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"{task}: failed\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# Report ----------------------------------------------------------------------------------------


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def section(
    name: str, results: list[tuple[str, dict[str, Any]]], seconds: float, command: str, load: str
) -> str:
    lines = [
        f"<!-- bench:mobility-import:{name} -->",
        f"### Mobility import, {name}",
        "",
        f"{dt.date.today():%d %B %Y}; {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load average {load} when it "
        f"started; whole run {seconds:.0f} s. Command: `{command}`. Each import runs in a "
        "process of its own; **rows/s** is the whole import (count, check and write) "
        "divided into the rows; **of it SQL s** the write's time in the database's "
        "statements (and COPY); **CPU s** the processor time of the importing process "
        "alone (the database's too on SQLite, not PostgreSQL's server); **peak MB** is "
        "the process's maximum resident set (ru_maxrss), **start MB** the same before the "
        "file is opened (Django, the lookups).",
        "",
        "| import | rows | count s | check s | write s | of it SQL s | total s | rows/s | CPU s "
        "| added / updated / unchanged | start MB | peak MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for label, r in results:
        lines.append(
            f"| {label} | {r['rows']:,} | {r['count_s']:.1f} | {r['check_s']:.1f} "
            f"| {r['write_s']:.1f} | {r['sql_s']:.1f} | {r['total_s']:.1f} "
            f"| {r['rows'] / r['total_s']:,.0f} "
            f"| {r['cpu_s']:.1f} "
            f"| {r['created']:,} / {r['updated']:,} / {r['unchanged']:,} "
            f"| {r['base_mb']:.0f} | {r['peak_mb']:.0f} |"
        )
    csv_runs = [(label, r) for label, r in results if label.startswith("CSV")]
    slowest_label, slowest = min(csv_runs, key=lambda item: item[1]["rows"] / item[1]["total_s"])
    peaks = sorted({f"{r['peak_mb']:.0f}" for _label, r in csv_runs}, key=float)
    lines += [
        "",
        f"Goal: at least {GOAL:,} rows/s for the whole import of new and of changed rows "
        f"(slowest: {slowest_label}, {slowest['rows'] / slowest['total_s']:,.0f} rows/s); "
        f"memory flat in the file size (peak MB of the CSV imports: {', '.join(peaks)}).",
        f"<!-- /bench:mobility-import:{name} -->",
    ]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    if args.child:
        child(args.child)
        return
    started = time.monotonic()
    load = load_average()
    FILES.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    plan: list[tuple[str, Path]] = []
    for size in sizes:
        new, changed = make_csv(size), make_csv(size, changed=True)
        plan += [
            (f"CSV {size:,} new rows", new),
            (f"CSV {size:,} rows again (unchanged)", new),
            (f"CSV {size:,} rows, one column changed", changed),
        ]
    if args.xlsx_rows:
        plan.append((f"XLSX {args.xlsx_rows:,} new rows", make_xlsx(args.xlsx_rows)))

    name = engine()
    env = bench_environment(args)
    run_child(env, what="setup")
    results = []
    for label, path in plan:
        result = run_child(env, what="import", file=str(path))
        results.append((label, result))
        print(
            f"{name} {label}: {result['rows'] / result['total_s']:,.0f} rows/s "
            f"(check {result['check_s']:.1f} s, write {result['write_s']:.1f} s, "
            f"SQL {result['sql_s']:.1f} s, "
            f"CPU {result['cpu_s']:.1f} s), "
            f"peak {result['peak_mb']:.0f} MB (start {result['base_mb']:.0f} MB)",
            file=sys.stderr,
        )
    prefix = "DATABASE_URL=postgres://... " if name == "PostgreSQL" else ""
    command = f"{prefix}.venv/bin/python bench/mobility_import.py --sizes {args.sizes}"
    if args.xlsx_rows:
        command += f" --xlsx-rows {args.xlsx_rows}"
    text = section(name, results, time.monotonic() - started, command, load)
    print(text)
    if not args.no_write:
        write_section(f"mobility-import:{name}", text)


if __name__ == "__main__":
    main()
