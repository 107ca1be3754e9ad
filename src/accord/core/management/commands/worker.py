"""`accord worker`: run background tasks from the database queue."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import InvalidTaskBackend, task_backends
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = (
        "Run background tasks (mails, reminders, expiries) from the queue in the database. "
        "Only useful when ACCORD_TASKS=database is set for the web processes and for this "
        "worker: without it tasks run at once in the web process and no queue exists. "
        "Run as many workers as needed, on any host that reaches the database "
        "(on SQLite: one worker on the web host). The options are django-tasks-db's db_worker's."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # The backend is checked in handle(), with an explanation, instead of while parsing.
        for action in parser._actions:
            if action.dest == "backend_name":
                action.type = str

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["backend_name"]
        try:
            backend = task_backends[name]
        except InvalidTaskBackend as exc:
            raise CommandError(f"No task backend named {name!r}.") from exc
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(
                "Background tasks run in the web process in this configuration, so there is "
                "no queue to work on. Set ACCORD_TASKS=database (for the web processes and "
                "for the worker) to queue tasks in the database, then run `accord worker`."
            )
        super().handle(*args, **options)
