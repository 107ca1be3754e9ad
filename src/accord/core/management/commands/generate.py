"""`accord generate`: synthetic institutions, agreements and mobilities at scale, for
benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.generate import generate


class Command(BaseCommand):
    help = (
        "Add synthetic institutions, agreements (2-3 parties, 0-3 provisions each) and "
        "mobilities in bulk, "
        "without services or audit events. Deterministic for a given --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institutions", type=int, default=0, help="Institutions to add.")
        parser.add_argument("--agreements", type=int, default=0, help="Agreements to add.")
        parser.add_argument("--mobilities", type=int, default=0, help="Mobilities to add.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Rows per INSERT batch (default 5000)."
        )

    def handle(self, *args, **options) -> None:
        if min(options["institutions"], options["agreements"], options["mobilities"]) < 0:
            raise CommandError(
                "--institutions, --agreements and --mobilities must not be negative."
            )
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        started = time.perf_counter()
        self.stderr.style_func = None  # progress is not an error: no red
        try:
            result = generate(
                institutions=options["institutions"],
                agreements=options["agreements"],
                mobilities=options["mobilities"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                progress=self.stderr,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Added {result.institutions:,} institutions, {result.agreements:,} agreements, "
            f"{result.parties:,} parties, {result.provisions:,} provisions, "
            f"{result.mobilities:,} mobilities and {result.obligations:,} return obligations "
            f"in {time.perf_counter() - started:.1f} s."
        )
