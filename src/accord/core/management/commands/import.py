"""`accord import institutions [FILE]` and `accord import mobility FILE --institution SLUG`:
load reference data and mobilities into Accord."""

import time
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.progress import Progress


class Command(BaseCommand):
    help = (
        "Import reference data. `import institutions [FILE]` loads the World Universities and "
        "Domains JSON (the copy shipped with Accord when FILE is left out) into the "
        "institutions register; re-running it changes only what changed in the file, and "
        "keeps the names, countries and websites edited in Accord since. "
        "`import mobility FILE --institution SLUG` imports a CSV or XLSX of mobilities "
        "(docs/mobility-import.md) for that home institution: all rows or, if any is bad, none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["institutions", "mobility"], help="What to import.")
        parser.add_argument("file", nargs="?", help="The file to read.")
        parser.add_argument(
            "--institution",
            help="mobility: the home institution (slug) whose mobilities the file holds.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, without changing anything.",
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Draw the progress bar even when stderr is not a terminal.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "mobility":
            from accord.mobility.importer.cli import import_mobility_command

            import_mobility_command(self, options)
            return
        from accord.institutions.importer import (
            DEFAULT_FILE,
            ImportFileError,
            import_institutions,
            load_rows,
        )

        path = options["file"] or DEFAULT_FILE
        started = time.monotonic()
        try:
            rows = load_rows(path)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        # The bar redraws one line in place, so it writes to the raw stream, not the wrapper
        # that ends every write with a newline.
        stream = cast(TextIO, getattr(self.stderr, "_out", self.stderr))
        with Progress(
            len(rows), "Importing institutions", stream=stream, force=options["progress"]
        ) as progress:
            report = import_institutions(
                rows,
                source=str(path),
                dry_run=options["dry_run"],
                on_progress=progress.advance,
            )
        seconds = time.monotonic() - started

        for skipped in report.skipped:
            name = f" ({skipped.name})" if skipped.name else ""
            self.stdout.write(f"row {skipped.row}{name}: skipped, {skipped.reason}")
        kept = f", {report.kept} kept edits made in Accord" if report.kept else ""
        summary = (
            f"{report.total} rows: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.skipped)} skipped{kept} "
            f"({seconds:.1f} s)."
        )
        if options["dry_run"]:
            summary += " Dry run: nothing was changed."
        self.stdout.write(self.style.SUCCESS(summary) if not report.skipped else summary)
