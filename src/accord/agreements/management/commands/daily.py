"""`accord daily`: the day's housekeeping of agreements.

`accord serve` runs it by itself once a day (`accord daily --repeat`, beside the web server),
so a small office needs nothing else. A deployment with several web hosts may instead run it
from cron on one host and set ACCORD_DAILY=0, e.g.

    15 2 * * *  cd /srv/accord && .venv/bin/accord daily

It enqueues the tasks; the web process runs them at once unless a worker (`accord worker`,
ACCORD_TASKS=database) is deployed. Running it more than once a day does no harm: expiry is
idempotent and each reminder is sent once. A task that fails does not stop the others; it is
recorded for platform staff (core/jobs.py), and a run that saw one fail exits with status 1,
naming it.
"""

import os
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django_tasks import TaskResultStatus
from django_tasks.base import Task

from accord.agreements import hub
from accord.agreements.tasks import expire_agreements, send_expiry_reminders

DAY_SECONDS = 24 * 60 * 60


def repeat_daily(run: Callable[[], None], *, keep_going: Callable[[], bool]) -> None:
    """`run()` now and then every day while `keep_going()`, which is asked every two seconds
    so that the process ends soon after the one it serves beside."""
    while keep_going():
        run()
        next_run = time.monotonic() + DAY_SECONDS
        while keep_going() and time.monotonic() < next_run:
            time.sleep(2)


class Command(BaseCommand):
    help = (
        "Expire agreements past their end (extending those that renew automatically), "
        "e-mail expiry and return-obligation reminders, complete past bookings and flag "
        "those under agreements that ended, and mark failed the imports whose process "
        "stopped. `accord serve` runs it once a day with "
        "--repeat; otherwise run it once a day from cron. Exits with status 1 when a job "
        "failed; staff see the failure on their dashboard."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repeat",
            action="store_true",
            help="Run now and then every 24 hours, until the process that started it ends.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["repeat"]:
            failed = self.run_once()
            if failed:
                raise CommandError(f"These jobs failed: {', '.join(failed)}.")
            return
        parent = os.getppid()
        repeat_daily(self.run_on_a_fresh_connection, keep_going=lambda: os.getppid() == parent)

    def run_on_a_fresh_connection(self) -> None:
        # A day apart, the database connection may have been closed by the server.
        close_old_connections()
        # A failure is recorded for staff by the job's run itself; tomorrow's runs go on.
        self.run_once()

    def run_once(self) -> list[str]:
        """Run, or enqueue, each job; the names of those that failed."""
        failed = []
        # The agreements' own jobs, then those each domain declares (agreements/hub.py).
        jobs: list[Task[Any, Any]] = [expire_agreements, send_expiry_reminders, *hub.daily_jobs()]
        for task in jobs:
            result = task.enqueue()
            if result.status == TaskResultStatus.FAILED:
                failed.append(task.name)
                error = result.errors[-1].exception_class_path if result.errors else ""
                self.stderr.write(f"{task.name}: {result.status} ({error})")
            else:
                self.stdout.write(f"{task.name}: {result.status}")
        self.stdout.flush()
        return failed
