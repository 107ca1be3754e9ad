"""Benchmark of the mobility flows page against the bare SQL aggregates behind it.

    .venv/bin/python bench/mobility_flows.py                            # SQLite in var/bench-m3/
    DATABASE_URL=postgres://... .venv/bin/python bench/mobility_flows.py  # database accord_bench_m3

Fills a database of its own with `accord generate` when it holds fewer mobilities than asked
(2,000 institutions and 1,000,000 mobilities by default), then asks, with django.test.Client as
an officer: /analytics/mobility/ unfiltered, seen from a country, seen from the busiest
institution and narrowed to a field and years, and /api/v1/analytics/mobility-flows. Next to
each it times the bare SQL: the aggregate queries the request ran (every SELECT that reads the
mobility tables), captured and re-run with a raw cursor. It reports medians and the ratio
page/bare (goal: 1.5 or less). Results go to docs/benchmarks.md, one section per engine.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from harness import (
    DOC,
    ROOT,
    machine_facts,
    masked,
    median_ms,
    serve_test_client,
    use_bench_database,
    write_section,
)

GOAL = 1.5
DATABASE = "accord_bench_m3"
MARKER = "mobility-flows"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=2_000)
    parser.add_argument("--mobilities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=7, help="Timed runs per measurement.")
    parser.add_argument("--no-write", action="store_true", help="Do not update the docs.")
    return parser.parse_args()


GIVEN_URL = masked(os.environ.get("DATABASE_URL", ""))
ENGINE = use_bench_database("bench-m3", DATABASE)


sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accord.core.generate import generate  # noqa: E402
from accord.core.models import Role, User  # noqa: E402
from accord.core.services import membership_grant  # noqa: E402
from accord.institutions.models import Institution  # noqa: E402
from accord.mobility.models import Mobility, ReturnObligation  # noqa: E402

AGGREGATE_TABLES = ('"mobility_mobility"', '"mobility_returnobligation"')


@dataclass
class Row:
    what: str
    url: str
    status: int
    page_ms: float
    queries: int
    aggregates: int
    page_sql_ms: float
    bare_ms: float

    @property
    def python_ms(self) -> float:
        return max(self.page_ms - self.page_sql_ms, 0.0)

    @property
    def ratio(self) -> float:
        return self.page_ms / self.bare_ms if self.bare_ms else float("inf")


def vacuum() -> None:
    """On PostgreSQL, what autovacuum soon does after a bulk load: statistics, and the
    visibility map that lets the aggregates read the covering indexes alone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE mobility_mobility")
            cursor.execute("ANALYZE")


def prepare(args: argparse.Namespace) -> str:
    """Migrate and fill the database up to the mobilities asked for; say how it was filled."""
    call_command("migrate", verbosity=0)
    have = Mobility.objects.count()
    if have >= args.mobilities:
        vacuum()
        return "filled by an earlier run of this benchmark"
    started = time.perf_counter()
    institutions = 0 if Institution.objects.count() >= 2 else args.institutions
    generate(
        institutions=institutions,
        mobilities=args.mobilities - have,
        seed=args.seed,
        progress=sys.stderr,
    )
    elapsed = time.perf_counter() - started
    vacuum()
    return (
        f"generated in {elapsed:.0f} s (`accord generate --institutions {institutions} "
        f"--mobilities {args.mobilities - have} --seed {args.seed}`)"
    )


def bench_officer() -> tuple[User, Institution]:
    busiest = (
        Institution.objects.annotate(n=Count("outgoing_mobilities")).order_by("-n", "id").first()
    )
    assert busiest is not None
    officer, _ = User.objects.get_or_create(
        username="bench-officer", defaults={"email": "officer@bench.example.org"}
    )
    membership_grant(actor=None, institution=busiest, user=officer, role=Role.OFFICER)
    return officer, busiest


def run_raw(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()


def measure(user: User, what: str, path: str, params: dict[str, str], runs: int) -> Row:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"{path}?{urlencode(params)}" if params else path
    response = client.get(url)
    status = response.status_code
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # Read now: the next request empties the log the capture is a view of.
    queries = [query["sql"] for query in captured.captured_queries]
    selects = [sql for sql in queries if sql.lstrip().startswith("SELECT")]
    aggregates = [sql for sql in selects if any(table in sql for table in AGGREGATE_TABLES)]
    # Interleaved, so that the load of the machine weighs on the three alike.
    samples: dict[str, list[float]] = {"page": [], "sql": [], "bare": []}
    for _ in range(runs):
        samples["page"].append(median_ms(lambda: client.get(url), 1))
        samples["sql"].append(median_ms(lambda: run_raw(selects), 1))
        samples["bare"].append(median_ms(lambda: run_raw(aggregates), 1))
    page_ms, page_sql_ms, bare_ms = (statistics.median(samples[k]) for k in ("page", "sql", "bare"))
    return Row(
        what,
        url,
        status,
        page_ms,
        len(queries),
        len(aggregates),
        page_sql_ms,
        bare_ms,
    )


def section(args: argparse.Namespace, rows: list[Row], filled: str, busiest: Institution) -> str:
    command = ".venv/bin/python bench/mobility_flows.py"
    if ENGINE == "PostgreSQL":
        command = f"DATABASE_URL={GIVEN_URL} {command}"
    lines = [
        f"<!-- bench:{MARKER}:{ENGINE} -->",
        f"### Mobility flows, {ENGINE}",
        "",
        f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        *(f"- {label}: {fact}" for label, fact in machine_facts()),
        f"- Data: {Mobility.objects.count():,} mobilities, "
        f"{ReturnObligation.objects.count():,} return obligations, "
        f"{Institution.objects.count():,} institutions; {filled}",
        f"- Seen from the busiest institution: {busiest.name}",
        f"- Command: `{command}` (median of {args.runs} runs each, after a warm-up request)",
        "- **bare SQL ms**: the request's aggregate queries (every SELECT on the mobility "
        "tables), captured and re-run with a raw cursor; **page SQL ms**: all its SELECTs "
        "(session, user, memberships too); goal: page / bare 1.5 or less.",
        "",
        "| request | status | page ms | queries | of them aggregates | page SQL ms | Python ms "
        "| bare SQL ms | page / bare |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        verdict = "" if row.ratio <= GOAL else f" (over {GOAL})"
        lines.append(
            f"| {row.what} `{row.url}` | {row.status} | {row.page_ms:.0f} | {row.queries} | "
            f"{row.aggregates} | {row.page_sql_ms:.0f} | {row.python_ms:.0f} | "
            f"{row.bare_ms:.0f} | {row.ratio:.2f}{verdict} |"
        )
    lines.append(f"<!-- /bench:{MARKER}:{ENGINE} -->")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    serve_test_client()
    print(f"{ENGINE}: {settings.DATABASES['default']['NAME']}", file=sys.stderr)
    filled = prepare(args)
    officer, busiest = bench_officer()
    first_year = (
        Mobility.objects.order_by("academic_year").values_list("academic_year", flat=True).first()
    )
    years = {"year_from": "2019/2020", "year_to": "2023/2024"} if first_year else {}
    rows = []
    for what, path, params in (
        ("page", "/analytics/mobility/", {}),
        ("page, from a country", "/analytics/mobility/", {"country": "KZ"}),
        (
            "page, from an institution, field and years",
            "/analytics/mobility/",
            {"institution": busiest.slug, "isced": "06", **years},
        ),
        ("page, CSV of one chart", "/analytics/mobility/", {"format": "csv", "chart": "flows"}),
        ("API", "/api/v1/analytics/mobility-flows", {}),
    ):
        row = measure(officer, what, path, params, args.runs)
        rows.append(row)
        print(
            f"{what:45} {row.status} page {row.page_ms:8.1f} ms ({row.queries} queries, "
            f"{row.aggregates} aggregates; SQL {row.page_sql_ms:7.1f} ms; Python "
            f"{row.python_ms:6.1f} ms)  bare {row.bare_ms:7.1f} ms  ratio {row.ratio:5.2f}"
        )
    text = section(args, rows, filled, busiest)
    if not args.no_write:
        write_section(f"{MARKER}:{ENGINE}", text)
        print(f"Written to {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
