"""The two passes over an import file: check every row, then (only when no row is bad) write
them all in one transaction.

Both passes stream the file, so memory does not grow with it. The check of duplicate external
ids is the one thing that must see the whole file: the ids go into a throw-away SQLite file on
disk, grouped at the end, so that this too stays within constant memory.
"""

import datetime as dt
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.models import User
from accord.institutions.models import Institution

from ..models import Mobility
from . import reading
from .reading import ImportFileError, Opener
from .rows import IMPORTED_FIELDS, Lookups, RowChecker, column_positions

# The report keeps this many problems; all of them are counted.
REPORT_LIMIT = 1_000
BATCH_SIZE = 1_000
PROGRESS_EVERY = 1_000
# After writing this many rows, PostgreSQL's statistics of the table are refreshed.
ANALYZE_AFTER = 10_000

Progress = Callable[[int], None]


@dataclass
class Checked:
    """The outcome of the check pass."""

    rows: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, row: int | None, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < REPORT_LIMIT:
            self.errors.append({"row": row, "field": field_name, "message": message})

    def report(self) -> dict[str, Any]:
        errors = sorted(self.errors, key=lambda e: (e["row"] or 0, e["field"]))
        return {"errors": errors, "error_count": self.error_count}


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class _SeenIds:
    """External ids met so far, on disk; `duplicates()` lists each repeated id's rows."""

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="accord-import-", suffix=".sqlite3")
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
            "PRAGMA cache_size=-2000; CREATE TABLE seen (external_id TEXT, row INTEGER);"
        )
        self.pending: list[tuple[str, int]] = []

    def add(self, external_id: str, row: int) -> None:
        self.pending.append((external_id, row))
        if len(self.pending) >= 2_000:
            self.flush()

    def flush(self) -> None:
        self.db.executemany("INSERT INTO seen VALUES (?, ?)", self.pending)
        self.pending.clear()

    def duplicates(self) -> Iterator[tuple[str, int, int]]:
        """(external id, row, first row with that id) for every later repetition."""
        self.flush()
        query = (
            "SELECT s.external_id, s.row, d.first FROM seen s JOIN ("
            " SELECT external_id, MIN(row) AS first FROM seen"
            " GROUP BY external_id HAVING COUNT(*) > 1"
            ") d ON d.external_id = s.external_id WHERE s.row > d.first ORDER BY s.row"
        )
        yield from self.db.execute(query)

    def close(self) -> None:
        self.db.close()
        os.unlink(self.path)


def _data_rows(opener: Opener, kind: str) -> tuple[dict[str, int], Iterator[tuple[int, list[Any]]]]:
    """The column positions from the header, and an iterator over the data rows."""
    stream = reading.rows(opener, kind)
    try:
        _number, header = next(stream)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    positions = column_positions(header)
    return positions, stream


def check_file(
    opener: Opener,
    kind: str,
    *,
    institution: Institution,
    on_progress: Progress | None = None,
    today: dt.date | None = None,
) -> Checked:
    """Check every row of the file; nothing is written."""
    checked = Checked()
    try:
        positions, stream = _data_rows(opener, kind)
        checker = RowChecker(Lookups(institution), positions, today=today)
        seen = _SeenIds()
        try:
            for number, cells in stream:
                values, problems = checker.check(cells)
                for field_name, message in problems:
                    checked.add(number, field_name, message)
                if values["external_id"]:
                    seen.add(values["external_id"], number)
                checked.rows += 1
                if on_progress is not None and checked.rows % PROGRESS_EVERY == 0:
                    on_progress(checked.rows)
            for external_id, number, first in seen.duplicates():
                checked.add(
                    number,
                    "external_id",
                    _("The external id %(value)s is also on row %(first)s.")
                    % {"value": external_id, "first": first},
                )
        finally:
            seen.close()
    except ImportFileError as error:
        checked.add(None, error.field, error.message)
    if on_progress is not None:
        on_progress(checked.rows)
    return checked


def _analyze() -> None:
    """Refresh PostgreSQL's statistics of the mobilities table. Right after a large load they
    still describe the table before it, and the planner then reads all of an institution's
    rows to find a thousand external ids instead of looking them up in the unique index
    (240 ms instead of 2 ms a batch, measured at a million rows). SQLite plans without them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Mobility._meta.db_table)}")


def _existing(institution: Institution, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The institution's mobilities with these external ids, as {external id: values}."""
    return {
        row["external_id"]: row
        # No ORDER BY: with the model's ordering SQLite reads the institution's rows by start
        # date instead of looking each id up in the unique index.
        for row in Mobility.objects.filter(home_institution=institution, external_id__in=ids)
        .order_by()
        .values("pk", "external_id", *IMPORTED_FIELDS)
    }


def _changed(existing: dict[str, Any], values: dict[str, Any]) -> bool:
    return any(existing[name] != values[name] for name in IMPORTED_FIELDS)


class _Inserter:
    """Inserts a batch of new mobilities: one prepared INSERT run for every row (executemany)
    on SQLite, COPY on PostgreSQL.

    bulk_create compiles its SQL anew for every few dozen rows (SQLite allows 999 parameters
    a statement) and prepares every value through its field; here the statement is built once
    and only dates and times are adapted, which makes writing several times faster. The
    values are those `RowChecker` produced and the checks, constraints included, passed."""

    def __init__(self, institution: Institution, actor: User | None) -> None:
        ops = connection.ops
        self.fields = [f for f in Mobility._meta.concrete_fields if not f.primary_key]
        self.adapters: list[Callable[[Any], Any] | None] = []
        for model_field in self.fields:
            if isinstance(model_field, models.DateTimeField):
                self.adapters.append(ops.adapt_datetimefield_value)
            elif isinstance(model_field, models.DateField):
                self.adapters.append(ops.adapt_datefield_value)
            else:
                self.adapters.append(None)
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.defaults["home_institution_id"] = institution.pk
        self.defaults["created_by_id"] = actor.pk if actor is not None else None
        quote = ops.quote_name
        # Names from the model, quoted; the values go as parameters.
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(Mobility._meta.db_table),
            ", ".join(quote(f.column) for f in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )
        self.copy_sql = "COPY {} ({}) FROM STDIN".format(
            quote(Mobility._meta.db_table), ", ".join(quote(f.column) for f in self.fields)
        )

    def insert(self, rows: list[dict[str, Any]]) -> None:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        stamps = {"created_at": now, "updated_at": now}
        slots = [
            (f.attname, None if f.attname in stamps else adapt)
            for f, adapt in zip(self.fields, self.adapters, strict=True)
        ]
        params = []
        for values in rows:
            row = {**self.defaults, **stamps, **values}
            params.append(
                [row[name] if adapt is None else adapt(row[name]) for name, adapt in slots]
            )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY streams the rows in one command instead of a round trip per row.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row_params in params:
                        copy.write_row(row_params)
            else:
                cursor.executemany(self.sql, params)


def write_file(
    opener: Opener,
    kind: str,
    *,
    institution: Institution,
    actor: User | None,
    on_progress: Progress | None = None,
    today: dt.date | None = None,
) -> Written:
    """Create or update a mobility for every row, keyed by (home institution, external id).
    Call inside a transaction, after `check_file` found nothing wrong."""
    written = Written()
    positions, stream = _data_rows(opener, kind)
    checker = RowChecker(Lookups(institution), positions, today=today)
    batch: list[dict[str, Any]] = []
    done = 0
    inserter = _Inserter(institution, actor)

    # A first import (no external ids yet) has nothing to look up: the check made sure that
    # the file repeats no id.
    any_existing = Mobility.objects.filter(
        home_institution=institution, external_id__isnull=False
    ).exists()
    if any_existing:
        _analyze()

    def flush() -> None:
        ids = [values["external_id"] for values in batch]
        existing = _existing(institution, ids) if any_existing else {}
        now = timezone.now()
        new, changed = [], []
        for values in batch:
            current = existing.get(values["external_id"])
            if current is None:
                new.append(values)
            elif _changed(current, values):
                changed.append(Mobility(pk=current["pk"], updated_at=now, **values))
            else:
                written.unchanged += 1
        if new:
            inserter.insert(new)
            written.created += len(new)
        if changed:
            Mobility.objects.bulk_update(
                changed, [*IMPORTED_FIELDS, "updated_at"], batch_size=BATCH_SIZE
            )
            written.updated += len(changed)
        batch.clear()

    for _number, cells in stream:
        values, problems = checker.check(cells)
        if problems:
            raise ImportFileError(
                _("The file changed after it was checked; import it again."), field="file"
            )
        batch.append(values)
        if len(batch) >= BATCH_SIZE:
            flush()
        done += 1
        if on_progress is not None and done % PROGRESS_EVERY == 0:
            on_progress(done)
    if batch:
        flush()
    if written.created + written.updated >= ANALYZE_AFTER:
        _analyze()
    if on_progress is not None:
        on_progress(done)
    return written


def import_file(
    opener: Opener,
    name: str,
    *,
    institution: Institution,
    actor: User | None,
    dry_run: bool = False,
    on_total: Progress | None = None,
    on_check: Progress | None = None,
    on_write: Progress | None = None,
    on_written: Callable[[Checked, Written], None] | None = None,
    today: dt.date | None = None,
) -> tuple[Checked, Written | None]:
    """Check the file, then write it in one transaction if every row is good (and not
    `dry_run`). `on_written` runs inside that transaction, to record the import's outcome
    with the rows. Returns what the check found and what was written (None if nothing)."""
    try:
        kind = reading.sniff(opener, name)
        total = reading.count_rows(opener, kind)
    except ImportFileError as error:
        checked = Checked()
        checked.add(None, error.field, error.message)
        return checked, None
    if on_total is not None:
        on_total(total)
    checked = check_file(opener, kind, institution=institution, on_progress=on_check, today=today)
    if not checked.ok or dry_run:
        return checked, None
    try:
        with transaction.atomic():
            # One import at a time per home institution (PostgreSQL; SQLite has one writer
            # anyway), so that two files with the same new external id cannot both add it.
            list(Institution.objects.select_for_update().filter(pk=institution.pk).values("pk"))
            written = write_file(
                opener,
                kind,
                institution=institution,
                actor=actor,
                on_progress=on_write,
                today=today,
            )
            if on_written is not None:
                on_written(checked, written)
    except ImportFileError as error:
        checked.add(None, error.field, error.message)
        return checked, None
    except IntegrityError:
        checked.add(
            None,
            "file",
            _("The mobilities changed while the file was imported; import it again."),
        )
        return checked, None
    return checked, written
