"""Benchmark of the agreements list: the page and the API against the bare SQL behind them.

    .venv/bin/python bench/run.py                      # SQLite in var/bench/
    DATABASE_URL=postgres://... .venv/bin/python bench/run.py   # database accord_bench

Fills a database of its own with `accord generate` when it is empty (10,000 institutions and
100,000 agreements by default), then asks, with django.test.Client, as a platform-staff user and
as an officer of the busiest institution: /agreements/ (plain and searched) and
/api/v1/agreements/ (the same), and the page narrowed to active agreements and in the order of
their end dates. Next to each it times the bare SQL that fetches the same rows:
the list queryset's own SELECT ... LIMIT 50 and the two prefetches of those rows' parties and
provisions, executed with a raw cursor. It reports medians, the ratio page/bare (goal: 3 or
less) and, for rows that miss it, what the time of the page is spent on. Results go to
docs/benchmarks.md, one section per database engine.
"""

import argparse
import cProfile
import datetime as dt
import io
import logging
import os
import pstats
import re
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from harness import (
    DOC,
    ROOT,
    interleaved_medians,
    machine_facts,
    masked,
    serve_test_client,
    use_bench_database,
    write_section,
)

GOAL = 3.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--agreements", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=31, help="Timed runs per measurement.")
    parser.add_argument("--search", default="almaty", help="The search term to measure.")
    parser.add_argument("--no-write", action="store_true", help="Do not update the docs.")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Print a cProfile summary of each request that misses the goal.",
    )
    return parser.parse_args()


GIVEN_URL = masked(os.environ.get("DATABASE_URL", ""))
ENGINE = use_bench_database("bench", "accord_bench")


sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count, QuerySet  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accord.agreements import selectors  # noqa: E402
from accord.agreements.filters import AgreementFilterForm  # noqa: E402
from accord.agreements.models import Agreement, AgreementParty, Provision  # noqa: E402
from accord.core.generate import generate  # noqa: E402
from accord.core.models import Role, User  # noqa: E402
from accord.core.services import membership_grant  # noqa: E402
from accord.institutions.models import Institution  # noqa: E402

PAGE_SIZE = 50


@dataclass
class Row:
    who: str
    what: str
    url: str
    status: int
    page_ms: float
    queries: int
    page_sql_ms: float
    count_ms: float
    bare_ms: float
    profile: str = ""

    @property
    def python_ms(self) -> float:
        """What the request spends outside the database (clamped: the medians are apart)."""
        return max(self.page_ms - self.page_sql_ms, 0.0)

    @property
    def ratio(self) -> float:
        return self.page_ms / self.bare_ms if self.bare_ms else float("inf")


def prepare(args: argparse.Namespace) -> str:
    """Migrate, fill the database if it is empty, and say how it was filled."""
    call_command("migrate", verbosity=0)
    if Agreement.objects.exists():
        filled = "existing data"
    else:
        started = time.perf_counter()
        generate(
            institutions=args.institutions,
            agreements=args.agreements,
            seed=args.seed,
            progress=sys.stderr,
        )
        elapsed = time.perf_counter() - started
        filled = (
            f"generated in {elapsed:.0f} s (`accord generate --institutions {args.institutions} "
            f"--agreements {args.agreements} --seed {args.seed}`)"
        )
    if connection.vendor == "postgresql":
        # What autovacuum does to tables after a bulk insert: statistics for the planner, and
        # the visibility map that lets covering indexes be read without the table. Run every
        # time, so that the figures do not depend on whether a server's autovacuum is on.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return filled


def bench_users() -> tuple[User, User, Institution]:
    staff, _ = User.objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "email": "staff@bench.example.org"}
    )
    busiest = (
        Institution.objects.annotate(n=Count("agreement_parties")).order_by("-n", "id").first()
    )
    assert busiest is not None
    officer, _ = User.objects.get_or_create(
        username="bench-officer", defaults={"email": "officer@bench.example.org"}
    )
    membership_grant(actor=None, institution=busiest, user=officer, role=Role.OFFICER)
    return staff, officer, busiest


def bare_statements(user: User, params: dict[str, str]) -> list[tuple[str, Any]]:
    """The SQL that fetches the rows the page shows, as the list's own querysets build it:
    the agreements (LIMIT 50), then their parties with institutions, and their provisions."""
    form = AgreementFilterForm(params or None)
    visible = selectors.agreements_visible_to(user, own_only=form.own_only)
    queryset: QuerySet[Agreement] = form.filter(visible)
    main = queryset.prefetch_related(None)[:PAGE_SIZE]
    ids = list(main.values_list("pk", flat=True))
    parties = AgreementParty.objects.select_related("institution").filter(agreement_id__in=ids)
    provisions = Provision.objects.only("id", "kind", "agreement_id").filter(agreement_id__in=ids)
    return [qs.query.sql_with_params() for qs in (main, parties, provisions)]


def run_raw(statements: list[tuple[str, Any]]) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def sql_medians(selects: list[str], runs: int) -> tuple[float, float]:
    """Medians of the total time of `selects` and of the COUNT among them, timed together."""
    totals, counts = [], []
    with connection.cursor() as cursor:
        for _ in range(runs):
            total = count = 0.0
            for sql in selects:
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                elapsed = (time.perf_counter() - started) * 1000
                total += elapsed
                if sql.lstrip().startswith("SELECT COUNT("):
                    count += elapsed
            totals.append(total)
            counts.append(count)
    return statistics.median(totals), statistics.median(counts)


def profile_request(client: Client, url: str) -> str:
    """The functions that take the time of a request, as cProfile sees them."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        client.get(url)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(
        r"accord/|template/(base|loader_tags|defaulttags)|ninja/operation|pydantic|sql/compiler.py.*execute_sql|paginator",
        18,
    )
    lines = [
        line.rstrip()
        for line in out.getvalue().splitlines()
        if re.match(r"\s*\d", line) and "{" not in line
    ]
    return "\n".join(lines)


def measure(
    who: str,
    user: User,
    what: str,
    path: str,
    params: dict[str, str],
    runs: int,
    profile: bool = False,
) -> Row:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    query = {**params, "page_size": str(PAGE_SIZE)} if path.startswith("/api/") else params
    url = f"{path}?{urlencode(query)}" if query else path
    for _ in range(2):
        response = client.get(url)
    status = response.status_code
    reset_queries()  # the request resets the log; start it empty so the capture sees it all
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = [query["sql"] for query in captured.captured_queries]
    selects = [sql for sql in queries if sql.lstrip().startswith("SELECT")]
    statements = bare_statements(user, params)
    run_raw(statements)
    page_ms, bare_ms = interleaved_medians(
        lambda: client.get(url), lambda: run_raw(statements), runs
    )
    page_sql_ms, count_ms = sql_medians(selects, runs)
    row = Row(who, what, url, status, page_ms, len(queries), page_sql_ms, count_ms, bare_ms)
    if profile and status == 200 and row.ratio > GOAL:
        row.profile = profile_request(client, url)
    return row


def floor_ms(user: User, runs: int) -> tuple[float, float]:
    """Median ms of two logged-in requests that do no work of their own: a page with the
    layout alone (a path nothing answers, so the 404 page) and the API's `/api/v1/me`. What
    any page or API call costs before it reads a row."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)  # not a "Not Found" line per request
    try:
        for _ in range(2):
            client.get("/no-such-page/")
            client.get("/api/v1/me")
        return interleaved_medians(
            lambda: client.get("/no-such-page/"), lambda: client.get("/api/v1/me"), runs
        )
    finally:
        request_log.setLevel(level)


def data_size() -> str:
    return (
        f"{Institution.objects.count():,} institutions, {Agreement.objects.count():,} "
        f"agreements, {AgreementParty.objects.count():,} parties, "
        f"{Provision.objects.count():,} provisions"
    )


def section(
    args: argparse.Namespace,
    rows: list[Row],
    filled: str,
    busiest: Institution,
    floor: tuple[float, float],
) -> str:
    command = ".venv/bin/python bench/run.py"
    if ENGINE == "PostgreSQL":
        command = f"DATABASE_URL={GIVEN_URL} {command}"
    lines = [
        f"<!-- bench:{ENGINE} -->",
        f"## {ENGINE}",
        "",
        f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        *(f"- {label}: {fact}" for label, fact in machine_facts()),
        f"- Data: {data_size()}; {filled}",
        f"- Officer: of {busiest.name} "
        f"({AgreementParty.objects.filter(institution=busiest).count():,} agreements)",
        f"- Floor (staff): {floor[0]:.1f} ms for a page with the layout alone (the 404 page), "
        f"{floor[1]:.1f} ms for `/api/v1/me`",
        f"- Command: `{command}` (median of {args.runs} runs each, after 2 warm-up requests; "
        "each page and its bare SQL timed in turns)",
        "",
        "| user | request | status | page ms | queries | page SQL ms | of it COUNT ms "
        "| Python ms | bare SQL ms | page / bare |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        verdict = "" if row.ratio <= GOAL else " (over 3)"
        lines.append(
            f"| {row.who} | {row.what} `{row.url}` | {row.status} | {row.page_ms:.1f} | "
            f"{row.queries} | {row.page_sql_ms:.1f} | {row.count_ms:.1f} | "
            f"{row.python_ms:.1f} | {row.bare_ms:.1f} | {row.ratio:.2f}{verdict} |"
        )
    lines.append(f"<!-- /bench:{ENGINE} -->")
    return "\n".join(lines)


HEADER = """# Benchmarks

`make bench` (`bench/run.py`) measures the agreements list, the page `/agreements/` and the API
`/api/v1/agreements/`, on a database of its own filled by `accord generate` (SQLite:
`var/bench/accord.sqlite3`; PostgreSQL: the database `accord_bench` on the server `DATABASE_URL`
names). Each request is made with `django.test.Client` as a logged-in user (no network, no web
server): a platform-staff user, who sees every agreement, and an officer of the institution that
is party to the most agreements, whose list is limited by the visibility rule.

- **page ms**: median time of the whole request (middleware, session, view, template or JSON).
- **queries** and **page SQL ms**: the SELECTs the request ran, and their time re-run with a raw
  cursor; **of it COUNT ms**: the `SELECT COUNT(*)` that numbers the pages; **Python ms**: page
  minus page SQL, the time spent outside the database.
- **bare SQL ms**: the SQL that fetches the rows shown and nothing else: the list queryset's own
  `SELECT ... LIMIT 50` and the two prefetches of those rows' parties (with institutions) and
  provisions, run with a raw cursor.
- **page / bare**: the goal is 3 or less. Each request and its bare SQL are timed in turns, so
  that a busy moment of the machine weighs on both.
- **floor** (in each section's facts): what a logged-in request costs that reads no rows, a
  page with the layout alone (the 404 page) and `/api/v1/me`.

`accord generate` writes with `bulk_create` in batches of 5,000 rows, not through the services
(no audit events, no documents), so that 10,000 institutions and 100,000 agreements take 80 s
on SQLite and 99 s on PostgreSQL on the machine below, not hours.
On PostgreSQL the benchmark runs `VACUUM ANALYZE` before measuring, as autovacuum does soon after
a bulk load (the server it was measured on runs with autovacuum off); SQLite is measured as
Accord leaves it (no `ANALYZE`).
"""


def main() -> None:
    args = parse_args()
    serve_test_client()
    print(f"{ENGINE}: {settings.DATABASES['default']['NAME']}", file=sys.stderr)
    filled = prepare(args)
    staff, officer, busiest = bench_users()
    search = {"search": args.search}
    rows = []
    for who, user in (("staff", staff), ("officer", officer)):
        for what, path, params in (
            ("page", "/agreements/", {}),
            ("page, search", "/agreements/", search),
            ("page, active", "/agreements/", {"status": "active"}),
            ("page, by end date", "/agreements/", {"sort": "ending"}),
            ("API", "/api/v1/agreements/", {}),
            ("API, search", "/api/v1/agreements/", search),
        ):
            row = measure(who, user, what, path, params, args.runs, args.profile)
            rows.append(row)
            print(
                f"{who:8} {what:17} {row.status} page {row.page_ms:8.1f} ms  "
                f"({row.queries} queries, SQL {row.page_sql_ms:7.1f} ms, of which COUNT "
                f"{row.count_ms:7.1f} ms; Python {row.python_ms:6.1f} ms)  "
                f"bare {row.bare_ms:7.1f} ms  ratio {row.ratio:5.2f}"
            )
            if row.profile:
                print(row.profile)
    floor = floor_ms(staff, args.runs)
    print(f"floor    page {floor[0]:.1f} ms, API {floor[1]:.1f} ms")
    text = section(args, rows, filled, busiest, floor)
    if not args.no_write:
        write_section(ENGINE, text, empty=HEADER)
        print(f"Written to {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
