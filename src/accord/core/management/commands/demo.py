"""`accord demo`: load the demo data set (idempotent) and print the demo logins."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse

from accord.core.demo import demo_load, demo_logins, world_universities_import


class Command(BaseCommand):
    help = (
        "Load the demo: KazNU and ANAS, their memorandum, KazNU's exchanges with Polish "
        "universities, about 50 institutions, 80 agreements and one login per role. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--print-logins",
            action="store_true",
            help="Print the demo logins, their roles, the password and the address.",
        )
        parser.add_argument(
            "--with-world-universities",
            action="store_true",
            help="Also import the register of the world's universities (about 10,000).",
        )

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        result = demo_load()
        elapsed = time.perf_counter() - started
        if result.created_anything:
            self.stdout.write(
                f"Demo loaded in {elapsed:.1f} s: {result.institutions} institutions, "
                f"{result.units} units, {result.contacts} contacts, {result.users} people, "
                f"{result.agreements} "
                f"agreements, {result.centers} research-center rows and {result.mobilities} "
                "mobility rows added."
            )
        else:
            self.stdout.write("Demo data already loaded; nothing changed.")
        if options["with_world_universities"]:
            started = time.perf_counter()
            report = world_universities_import()
            self.stdout.write(
                f"World universities: {report.created} added, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.kept} kept edits made in Accord, "
                f"{len(report.skipped)} rows skipped "
                f"({time.perf_counter() - started:.1f} s)."
            )
        if options["print_logins"]:
            self.print_logins()

    def print_logins(self) -> None:
        rows = [("Username", "Name", "Roles"), *demo_logins()]
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        self.stdout.write("")
        self.stdout.write(f"Accord demo: {settings.SITE_URL}{reverse('login')}")
        self.stdout.write(f"Password for every login: {settings.ACCORD_DEMO_PASSWORD}")
        self.stdout.write("")
        for number, (username, name, roles) in enumerate(rows):
            self.stdout.write(f"  {username:<{widths[0]}}  {name:<{widths[1]}}  {roles}")
            if number == 0:
                self.stdout.write(f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * 5}")
        self.stdout.write("")
