"""`accord import mobility FILE --institution SLUG`: the command line side of an import."""

import time
from pathlib import Path
from typing import IO, Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accord.core.progress import Progress
from accord.institutions.models import Institution

from ..models import ImportStatus, MobilityImport
from .run import Checked, Written, import_file
from .services import run_import
from .stale import runner_identity


class _Bars:
    """One bar for the check and one for the write, created when the row count is known."""

    def __init__(self, stream: TextIO, force: bool) -> None:
        self.stream = stream
        self.force = force
        self.total = 0
        self.bar: Progress | None = None

    def on_total(self, total: int) -> None:
        self.total = total
        self.bar = Progress(total, "Checking", stream=self.stream, force=self.force)

    def on_check(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done)

    def on_write(self, done: int) -> None:
        if self.bar is not None and self.bar.label == "Checking":
            self.bar.finish()
            self.bar = Progress(self.total, "Writing", stream=self.stream, force=self.force)
        if self.bar is not None:
            self.bar.update(done)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.finish()


def import_mobility_command(command: BaseCommand, options: dict[str, Any]) -> None:
    if not options.get("file"):
        raise CommandError("Name the file: accord import mobility FILE --institution SLUG.")
    slug = options.get("institution")
    if not slug:
        raise CommandError("Name the home institution: --institution SLUG.")
    institution = Institution.objects.filter(slug=slug).first()
    if institution is None:
        raise CommandError(f"No institution has the slug {slug}.")
    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")

    def opener() -> IO[bytes]:
        return path.open("rb")

    # The bar redraws one line in place, so it writes to the raw stream, not the wrapper
    # that ends every write with a newline.
    stream = cast(TextIO, getattr(command.stderr, "_out", command.stderr))
    bars = _Bars(stream, force=bool(options.get("progress")))
    started = time.monotonic()
    checked: Checked
    written: Written | None
    try:
        if options.get("dry_run"):
            checked, written = import_file(
                opener,
                path.name,
                institution=institution,
                actor=None,
                dry_run=True,
                on_total=bars.on_total,
                on_check=bars.on_check,
            )
        else:
            now = timezone.now()
            mobility_import = MobilityImport.objects.create(
                institution=institution,
                original_name=path.name[:255],
                created_by=None,
                status=ImportStatus.RUNNING,
                started_at=now,
                heartbeat_at=now,
                runner=runner_identity(),
            )
            checked, written = run_import(
                mobility_import,
                opener,
                actor=None,
                on_total=bars.on_total,
                on_check=bars.on_check,
                on_write=bars.on_write,
            )
    finally:
        bars.finish()
    seconds = time.monotonic() - started

    for error in checked.report()["errors"]:
        where = f"row {error['row']}, {error['field']}" if error["row"] else error["field"]
        command.stdout.write(f"{where}: {error['message']}")
    if not checked.ok:
        shown = len(checked.errors)
        more = f" (the first {shown} listed)" if shown < checked.error_count else ""
        raise CommandError(
            f"{checked.error_count} problems in {checked.rows} rows{more}: nothing was imported."
        )
    if written is None:
        command.stdout.write(
            command.style.SUCCESS(
                f"{checked.rows} rows, all good ({seconds:.1f} s). Dry run: nothing was changed."
            )
        )
        return
    command.stdout.write(
        command.style.SUCCESS(
            f"{checked.rows} rows: {written.created} added, {written.updated} updated, "
            f"{written.unchanged} unchanged ({seconds:.1f} s)."
        )
    )
