"""`accord daily`: the day's housekeeping of agreements. Run it once a day from cron, e.g.

    15 2 * * *  cd /srv/accord && .venv/bin/accord daily

It enqueues the tasks; the web process runs them at once unless a worker (`accord worker`,
ACCORD_TASKS=database) is deployed. Running it twice a day does no harm: expiry is idempotent
and each reminder is sent once.
"""

from typing import Any

from django.core.management.base import BaseCommand

from accord.agreements.tasks import expire_agreements, send_expiry_reminders


class Command(BaseCommand):
    help = (
        "Expire agreements past their end (extending those that renew automatically) and "
        "e-mail expiry reminders to coordinators. Run once a day from cron."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for task in (expire_agreements, send_expiry_reminders):
            result = task.enqueue()
            self.stdout.write(f"{task.name}: {result.status}")
