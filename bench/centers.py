"""Benchmark of research centers: the free-time facility search and booking throughput.

    .venv/bin/python bench/centers.py                            # SQLite in var/bench-c1/
    DATABASE_URL=postgres://... .venv/bin/python bench/centers.py  # database accord_bench_c1

Fills a database of its own when it holds fewer bookings than asked (1,000 facilities in 100
centers of 20 institutions, 1,000,000 approved one-hour bookings by default: every facility
fully booked on weekdays 08:00-18:00 for 20 weeks around today, except one slot a week in one
facility out of a hundred). Then, as a researcher who may book all of them, it times
`facilities_bookable_by` with a free-time range (one day and one week inside the booked weeks,
where every facility's every slot must be checked; one week after them), and a keyword search.
On PostgreSQL it also runs N threads that each request and approve bookings, all of them
competing for the same few slots of one facility, and reports bookings per second and whether
the capacity held (never more overlapping approved bookings than the capacity).
Results go to docs/benchmarks.md, one section per engine.
"""

import argparse
import datetime as dt
import platform
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness import ROOT, use_bench_database, write_section

DATABASE = "accord_bench_c1"
MARKER = "centers"
WEEKS = 20
DAY_HOURS = (8, 18)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facilities", type=int, default=1_000)
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="Timed runs per measurement.")
    parser.add_argument("--threads", type=int, default=8, help="Concurrent bookers (PostgreSQL).")
    parser.add_argument("--requests", type=int, default=400, help="Booking requests in all.")
    parser.add_argument("--no-write", action="store_true", help="Do not update the docs.")
    return parser.parse_args()


ENGINE = use_bench_database("bench-c1", DATABASE)
sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from accord.centers import selectors, services  # noqa: E402
from accord.centers.models import (  # noqa: E402
    Booking,
    BookingStatus,
    Facility,
    OpeningHours,
    ResearchCenter,
)
from accord.core.models import Membership, Role, User  # noqa: E402
from accord.institutions.models import Institution  # noqa: E402


def monday(weeks_from_now: int) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks_from_now)


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def prepare(args: argparse.Namespace) -> bool:
    """Fill the database unless it already holds the bookings asked for; True when filled."""
    call_command("migrate", verbosity=0)
    if Booking.objects.filter(purpose="bench").count() >= args.bookings * 0.99:  # less holes
        return False
    print("filling…", file=sys.stderr)
    Booking.objects.all().delete()
    OpeningHours.objects.all().delete()
    Facility.objects.all().delete()
    ResearchCenter.objects.all().delete()
    Membership.objects.filter(user__username__startswith="bench-").delete()
    User.objects.filter(username__startswith="bench-").delete()
    Institution.objects.filter(slug__startswith="bench-").delete()
    institutions = Institution.objects.bulk_create(
        Institution(slug=f"bench-{n}", name=f"Bench University {n}", country="KZ", search_text="")
        for n in range(20)
    )
    researcher = User.objects.create(username="bench-researcher", email="bench@example.org")
    Membership.objects.bulk_create(
        Membership(user=researcher, institution=i, role=Role.RESEARCHER) for i in institutions
    )
    centers = ResearchCenter.objects.bulk_create(
        ResearchCenter(
            institution=institutions[n % len(institutions)],
            slug=f"bench-center-{n}",
            name=f"Bench center {n}",
            description="Spectroscopy and imaging" if n % 10 == 0 else "Archives",
        )
        for n in range(max(args.facilities // 10, 1))
    )
    facilities = Facility.objects.bulk_create(
        Facility(
            center=centers[n % len(centers)],
            name=f"Instrument {n}",
            kind="instrument",
            description="Mass spectrometer" if n % 50 == 0 else "Microscope",
        )
        for n in range(args.facilities)
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(
            facility=f, weekday=d, opens=dt.time(DAY_HOURS[0]), closes=dt.time(DAY_HOURS[1])
        )
        for f in facilities
        for d in range(5)
    )
    first = monday(-WEEKS // 2)
    slots = [
        at(first + dt.timedelta(weeks=w, days=d), h)
        for w in range(WEEKS)
        for d in range(5)
        for h in range(*DAY_HOURS)
    ]
    per_facility = max(args.bookings // len(facilities), 1)
    slots = slots[:per_facility]
    holes = {f.pk for f in facilities[::100]}
    batch: list[Booking] = []
    made = 0
    for facility in facilities:
        for index, start in enumerate(slots):
            if facility.pk in holes and index % 50 == 25:
                continue  # one free hour a week
            batch.append(
                Booking(
                    facility=facility,
                    requester=researcher,
                    institution=facility.center.institution,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=1),
                    purpose="bench",
                    status=BookingStatus.APPROVED,
                )
            )
            if len(batch) >= 20_000:
                Booking.objects.bulk_create(batch)
                made += len(batch)
                batch = []
                print(f"  {made:,} bookings", file=sys.stderr, end="\r")
    Booking.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE centers_booking")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return True


def median_ms(run: Any, runs: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def first_page(user: User, params: dict[str, Any]) -> int:
    """What a page of results does: count the matches and read the first 50."""
    facilities = selectors.facilities_bookable_by(user, **params)
    count = facilities.count()
    list(facilities.select_related("center__institution")[:50])
    return count


def search_rows(args: argparse.Namespace) -> list[tuple[str, float, int]]:
    user = User.objects.get(username="bench-researcher")
    booked = monday(2)
    after = monday(WEEKS)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("free time, one booked day", {"free_from": at(booked, 0), "free_to": at(booked, 23)}),
        (
            "free time, one booked week",
            {"free_from": at(booked, 0), "free_to": at(booked + dt.timedelta(days=7), 0)},
        ),
        (
            "free time, one open week",
            {"free_from": at(after, 0), "free_to": at(after + dt.timedelta(days=7), 0)},
        ),
        ("keyword", {"search": "spectrometer"}),
        (
            "keyword + free time, booked week",
            {
                "search": "microscope",
                "free_from": at(booked, 0),
                "free_to": at(booked + dt.timedelta(days=7), 0),
            },
        ),
    ]
    rows = []
    for label, params in cases:
        ms, found = median_ms(lambda params=params: first_page(user, params), args.runs)
        rows.append((label, ms, found))
        print(f"{label}: {ms:.0f} ms, {found} facilities", file=sys.stderr)
    return rows


def throughput(args: argparse.Namespace, weeks: int) -> dict[str, Any]:
    """N threads request and approve bookings of one facility of capacity 2, aiming at random
    at its 9:00 slots of `weeks` weeks (5 slots a week); returns requests/s and whether the
    capacity held."""
    host = Institution.objects.get(slug="bench-0")
    center = ResearchCenter.objects.filter(institution=host).first()
    assert center is not None
    manager, _ = User.objects.get_or_create(username="bench-manager")
    Membership.objects.get_or_create(user=manager, institution=host, role=Role.OFFICER)
    facility, _ = Facility.objects.get_or_create(
        center=center, name="Contended instrument", defaults={"kind": "instrument", "capacity": 2}
    )
    Booking.objects.filter(facility=facility).delete()
    services.opening_hours_set(
        actor=manager,
        facility=facility,
        hours=[(d, dt.time(DAY_HOURS[0]), dt.time(DAY_HOURS[1])) for d in range(5)],
    )
    bookers = []
    for n in range(args.threads):
        user, _ = User.objects.get_or_create(username=f"bench-booker-{n}")
        Membership.objects.get_or_create(user=user, institution=host, role=Role.RESEARCHER)
        bookers.append(user)
    first = monday(WEEKS + 2)
    targets = [at(first + dt.timedelta(weeks=w, days=d), 9) for w in range(weeks) for d in range(5)]
    per_thread = args.requests // args.threads
    counts = {"approved": 0, "refused": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(args.threads)

    def work(index: int) -> None:
        user = User.objects.get(pk=bookers[index].pk)
        boss = User.objects.get(pk=manager.pk)
        target = Facility.objects.select_related("center__institution").get(pk=facility.pk)
        rng = random.Random(index)
        barrier.wait()
        for _ in range(per_thread):
            start = rng.choice(targets)
            try:
                [booking] = services.booking_request(
                    actor=user,
                    facility=target,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=1),
                    purpose="bench concurrency",
                )
                services.booking_approve(actor=boss, booking=booking)
                outcome = "approved"
            except ValidationError:
                outcome = "refused"
            with lock:
                counts[outcome] += 1
        connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(args.threads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    approved = list(
        Booking.objects.filter(facility=facility, status=BookingStatus.APPROVED).values_list(
            "starts_at", flat=True
        )
    )
    worst = max((approved.count(start) for start in targets), default=0)
    result = {
        "threads": args.threads,
        "slots": len(targets),
        "requests": counts["approved"] + counts["refused"],
        "approved": counts["approved"],
        "seconds": elapsed,
        "per_second": (counts["approved"] + counts["refused"]) / elapsed,
        "worst": worst,
        "capacity": facility.capacity,
        "held": worst <= facility.capacity,
        "filled": len(approved) == facility.capacity * len(targets),
    }
    print(result, file=sys.stderr)
    Booking.objects.filter(facility=facility).delete()
    facility.delete()  # not to be found by the searches of the next run
    return result


def render(
    args: argparse.Namespace, rows: list[tuple[str, float, int]], runs: list[dict[str, Any]]
) -> str:
    database = settings.DATABASES["default"]["NAME"]
    lines = [
        f"<!-- bench:{MARKER}:{ENGINE} -->",
        f"### Research centers, {ENGINE}",
        "",
        f"`{'DATABASE_URL=postgres://… ' if ENGINE == 'PostgreSQL' else ''}"
        f".venv/bin/python bench/centers.py` ({timezone.now():%Y-%m-%d}, {platform.machine()}, "
        f"Python {platform.python_version()}, database `{Path(str(database)).name}`): "
        f"{Facility.objects.count():,} facilities, "
        f"{Booking.objects.filter(purpose='bench').count():,} approved bookings, "
        f"median of {args.runs} runs of `facilities_bookable_by` (count + first page).",
        "",
        "| search | median ms | facilities found |",
        "| --- | ---: | ---: |",
        *[f"| {label} | {ms:.0f} | {found} |" for label, ms, found in rows],
    ]
    if runs:
        run = runs[0]
        lines += [
            "",
            f"Booking throughput: {run['threads']} threads, each requesting a booking of one "
            f"facility (capacity {run['capacity']}) at a random one of its slots and approving "
            "it at once as the manager (request and approval: two transactions, each locking "
            "the facility's row). A refusal is a request or approval finding the slot full.",
            "",
            "| slots aimed at | requests | seconds | requests/s | approved | most approved in "
            "one slot | capacity held | every slot filled |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
            *[
                f"| {r['slots']} | {r['requests']} | {r['seconds']:.1f} | "
                f"**{r['per_second']:.0f}** | {r['approved']} | {r['worst']} | "
                f"{'yes' if r['held'] else 'NO'} | {'yes' if r['filled'] else 'no'} |"
                for r in runs
            ],
        ]
    lines.append(f"<!-- /bench:{MARKER}:{ENGINE} -->")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    print(f"{ENGINE}: {settings.DATABASES['default']['NAME']}", file=sys.stderr)
    prepare(args)
    rows = search_rows(args)
    runs = [throughput(args, weeks) for weeks in (1, 40)] if ENGINE == "PostgreSQL" else []
    text = render(args, rows, runs)
    print(text)
    if not args.no_write:
        write_section(f"{MARKER}:{ENGINE}", text)


if __name__ == "__main__":
    main()
