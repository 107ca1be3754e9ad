"""How long the demo and the world list take to load: the whole demo, its mobilities alone
(written again after they are deleted), and the import of the shipped world list of
universities into an empty register.

    .venv/bin/python bench/demo_load.py                      # SQLite in var/bench-demo/
    DATABASE_URL=postgres://... .venv/bin/python bench/demo_load.py   # database accord_bench_demo

The tests check that these writes are batched (their queries are counted); the seconds they
take belong here, where a busy machine makes a slow run, not a failed test. Each database is
emptied before and after. Prints the median of --runs runs of each.
"""

import argparse
import datetime as dt
import statistics
import sys
import time

from harness import ROOT, machine_facts, use_bench_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    engine = use_bench_database("bench-demo", "accord_bench_demo")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from accord.core.demo import demo_load
    from accord.institutions.importer import DEFAULT_FILE, import_institutions, load_rows
    from accord.mobility.demo import mobility_demo_load
    from accord.mobility.models import Mobility

    call_command("migrate", verbosity=0)
    rows = load_rows(DEFAULT_FILE)
    timings: dict[str, list[float]] = {"demo": [], "demo mobilities": [], "world list": []}
    for _ in range(args.runs):
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        demo_load()
        timings["demo"].append(time.perf_counter() - started)

        started = time.perf_counter()
        Mobility.objects.all().delete()
        added = mobility_demo_load(dt.date.today())
        timings["demo mobilities"].append(time.perf_counter() - started)

        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        report = import_institutions(rows)
        timings["world list"].append(time.perf_counter() - started)
    call_command("flush", interactive=False, verbosity=0)

    print(f"{engine}; {added} demo mobility rows, {report.created} institutions imported")
    for name, value in machine_facts():
        print(f"  {name}: {value}")
    for name, samples in timings.items():
        print(f"{name:>16}: median {statistics.median(samples):.1f} s of {len(samples)} runs")


if __name__ == "__main__":
    main()
