"""The two passes over an import file: check every row, then (only when no row is bad) write
them all in one transaction.

Both passes stream, so memory does not grow with the file. The check of duplicate external
ids is the one thing that must see the whole file: the ids go into a throw-away SQLite file on
disk, grouped at the end, so that this too stays within constant memory. While no row is bad,
the check also keeps the values it made of every row in a scratch file, a batch at a time,
and the write reads them back instead of reading and checking the file a second time.
"""

import datetime as dt
import pickle
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.models import User
from accord.institutions.models import Institution

from ..models import Mobility
from . import reading
from .reading import ImportFileError, Opener
from .rows import IMPORTED_FIELDS, Lookups, RowChecker, column_positions
from .stale import scratch_dir

# The report keeps this many problems; all of them are counted.
REPORT_LIMIT = 1_000
BATCH_SIZE = 1_000
PROGRESS_EVERY = 1_000
# After writing this many rows, PostgreSQL's statistics of the table are refreshed.
ANALYZE_AFTER = 10_000
# SQLite's page cache while an import writes (KiB; the default is 2,000).
WRITE_CACHE_KIB = 64 * 1024

Progress = Callable[[int], None]
# The values of a checked row, in this order: what the write stages and inserts.
STAGED_FIELDS = ("external_id", *IMPORTED_FIELDS)
Batch = list[tuple[Any, ...]]


@dataclass
class Checked:
    """The outcome of the check pass."""

    rows: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    # The checked values of every row (a file of pickled batches) and what the check looked
    # them up in; kept only when asked and no row is bad.
    staged: Path | None = field(default=None, repr=False)
    lookups: Lookups | None = field(default=None, repr=False)
    today: dt.date | None = field(default=None, repr=False)

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

    def __init__(self, path: Path) -> None:
        self.path = path
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
        self.path.unlink(missing_ok=True)


class _StagedRows:
    """The checked values of the rows, written to a scratch file a batch at a time (pickled
    tuples in the order of STAGED_FIELDS), for the write to read back in the same order.
    Staging stops for good at the first bad row: nothing will be written then."""

    def __init__(self, path: Path) -> None:
        self.path: Path | None = path
        self.handle = path.open("wb")
        self.batch: Batch = []
        self.row_values = itemgetter(*STAGED_FIELDS)

    def add(self, values: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.batch.append(self.row_values(values))
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            pickle.dump(self.batch, self.handle, protocol=pickle.HIGHEST_PROTOCOL)
            self.batch = []

    def discard(self) -> None:
        if self.path is not None:
            self.handle.close()
            self.path.unlink(missing_ok=True)
            self.path = None
            self.batch = []

    def finish(self) -> Path | None:
        if self.path is not None:
            self.flush()
            self.handle.close()
        return self.path


def _staged_batches(path: Path) -> Iterator[Batch]:
    with path.open("rb") as handle:
        while True:
            try:
                # This process wrote the file moments ago, in its import's own scratch folder.
                yield pickle.load(handle)  # noqa: S301
            except EOFError:
                return


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
    scratch: Path | None = None,
    keep_rows: bool = False,
) -> Checked:
    """Check every row of the file; nothing is written. Temporary files go into the folder
    `scratch` (an import's own, see stale.scratch_dir), or one made for this check alone.
    With `keep_rows` (and `scratch`), the checked values stay in that folder for
    `write_file`, when no row is bad."""
    checked = Checked()
    folder = scratch if scratch is not None else scratch_dir(None)
    staged: _StagedRows | None = None
    try:
        positions, stream = _data_rows(opener, kind)
        lookups = Lookups(institution)
        checker = RowChecker(lookups, positions, today=today)
        seen = _SeenIds(folder / "seen-ids.sqlite3")
        if keep_rows and scratch is not None:
            staged = _StagedRows(folder / "checked-rows.pickle")
        try:
            for number, cells in stream:
                values, problems = checker.check(cells)
                if problems:
                    for field_name, message in problems:
                        checked.add(number, field_name, message)
                    if staged is not None:
                        staged.discard()
                elif staged is not None:
                    staged.add(values)
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
        if staged is not None and checked.ok:
            checked.staged = staged.finish()
            checked.lookups, checked.today = lookups, checker.today
    except ImportFileError as error:
        checked.add(None, error.field, error.message)
    finally:
        if staged is not None and checked.staged is None:
            staged.discard()
        if scratch is None:
            shutil.rmtree(folder, ignore_errors=True)
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


class _Inserter:
    """Inserts a batch of new mobilities: one prepared INSERT run for every row (executemany)
    on SQLite, COPY on PostgreSQL.

    bulk_create compiles its SQL anew for every few dozen rows (SQLite allows 999 parameters
    a statement) and prepares every value through its field; here the statement is built once,
    naming the columns of STAGED_FIELDS first, so that a row's parameters are its checked
    values followed by the batch's constants, and the drivers take the dates as they are.
    The values are those `RowChecker` produced and the checks, constraints included, passed."""

    def __init__(self, institution: Institution, actor: User | None) -> None:
        quote = connection.ops.quote_name
        by_attname = {f.attname: f for f in Mobility._meta.concrete_fields}
        staged = [by_attname[name] for name in STAGED_FIELDS]
        self.constant_fields = [
            f for f in Mobility._meta.concrete_fields if not f.primary_key and f not in staged
        ]
        self.defaults = {f.attname: f.get_default() for f in self.constant_fields}
        self.defaults["home_institution_id"] = institution.pk
        self.defaults["created_by_id"] = actor.pk if actor is not None else None
        columns = ", ".join(quote(f.column) for f in [*staged, *self.constant_fields])
        table = quote(Mobility._meta.db_table)
        # Names from the model, quoted; the values go as parameters.
        self.sql = (
            f"INSERT INTO {table} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * (len(staged) + len(self.constant_fields)))})"
        )
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def insert(self, rows: Batch) -> None:
        """`rows`: the values of STAGED_FIELDS; the other columns take constants."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        values = {**self.defaults, "created_at": now, "updated_at": now}
        constants = tuple(values[f.attname] for f in self.constant_fields)
        _load(self.sql, self.copy_sql, [row + constants for row in rows])


def _load(insert_sql: str, copy_sql: str, params: Sequence[Sequence[Any]]) -> None:
    """Rows into a table: COPY on PostgreSQL (one command instead of a round trip per row),
    one prepared INSERT run for every row on SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(copy_sql) as copy:
                for row_params in params:
                    copy.write_row(row_params)
        else:
            cursor.executemany(insert_sql, params)


# UPDATE ... FROM came with SQLite 3.33; older ones (Django supports 3.31) set each row's
# columns from a subquery instead.
SQLITE_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33)
# Stands for the batch's time among the constant values of an added row.
_NOW = object()


class _Upserter:
    """Writes a batch of rows into a temporary table (the stage), then, in set-based
    statements, finds the columns in which any row differs from its mobility, updates the
    mobilities that differ, only those and only in those columns, and adds the rows whose
    external id the home institution does not have yet.

    The batch costs the same five statements whatever its rows are; Python neither reads the
    existing mobilities nor compares them (Django's bulk_update, which this replaces, wrote
    26 columns of every changed row through a CASE per column and ran about 100 rows/s)."""

    STAGE = "accord_mobility_import_stage"

    def __init__(self, institution: Institution, actor: User | None) -> None:
        ops = connection.ops
        quote = ops.quote_name
        postgresql = connection.vendor == "postgresql"
        self.institution_id = institution.pk
        names = list(STAGED_FIELDS)
        by_attname = {f.attname: f for f in Mobility._meta.concrete_fields}
        fields = [by_attname[name] for name in names]
        columns = [quote(f.column) for f in fields]
        table = quote(Mobility._meta.db_table)
        stage = quote(self.STAGE)
        self.create_sql = (
            # The stage's columns take their types from the mobilities table.
            f"CREATE TEMPORARY TABLE {stage} AS SELECT {', '.join(columns)} "  # noqa: S608
            f"FROM {table} WHERE 1 = 0"
        )
        self.drop_sql = f"DROP TABLE IF EXISTS {stage}"
        self.clear_sql = f"TRUNCATE {stage}" if postgresql else f"DELETE FROM {stage}"  # noqa: S608
        self.load_sql = (
            f"INSERT INTO {stage} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        self.copy_sql = f"COPY {stage} ({', '.join(columns)}) FROM STDIN"
        self.table, self.stage = table, stage
        self.imported = columns[1:]
        self.distinct = "IS DISTINCT FROM" if postgresql else "IS NOT"
        self.update_from = postgresql or SQLITE_UPDATE_FROM
        self.updated_at = quote("updated_at")
        match = (
            "m.home_institution_id = %s AND m.external_id IS NOT NULL "
            "AND m.external_id = s.external_id"
        )
        self.match = match
        # Which columns differ on any row of the batch: 1 or 0 for each.
        self.changed_columns_sql = (
            "SELECT "  # noqa: S608
            + ", ".join(
                f"MAX(CASE WHEN m.{c} {self.distinct} s.{c} THEN 1 ELSE 0 END)"
                for c in self.imported
            )
            + f" FROM {stage} AS s JOIN {table} AS m ON {match}"
        )
        self.update_sql: dict[tuple[str, ...], str] = {}
        staged = dict(zip(names, columns, strict=True))
        self.insert_fields = [f for f in Mobility._meta.concrete_fields if not f.primary_key]
        # The values of the columns a row does not give, in the order of the SELECT.
        self.constants: list[Any] = []
        selected = []
        for model_field in self.insert_fields:
            if model_field.attname in staged:
                selected.append(f"s.{staged[model_field.attname]}")
                continue
            selected.append("%s")
            if model_field.attname == "home_institution_id":
                self.constants.append(institution.pk)
            elif model_field.attname == "created_by_id":
                self.constants.append(actor.pk if actor is not None else None)
            elif model_field.attname in ("created_at", "updated_at"):
                self.constants.append(_NOW)
            else:
                default = model_field.get_default()
                self.constants.append(model_field.get_db_prep_save(default, connection))
        self.insert_sql = (
            f"INSERT INTO {table} ({', '.join(quote(f.column) for f in self.insert_fields)}) "  # noqa: S608
            f"SELECT {', '.join(selected)} FROM {stage} AS s WHERE NOT EXISTS ("
            f"SELECT 1 FROM {table} AS m WHERE {match})"
        )
        with connection.cursor() as cursor:
            cursor.execute(self.drop_sql)
            cursor.execute(self.create_sql)

    def write(self, rows: Batch) -> tuple[int, int]:
        """(added, updated) for this batch of rows (the values of STAGED_FIELDS)."""
        # The staged columns hold no date and time; dates go to both drivers as they are.
        _load(self.load_sql, self.copy_sql, rows)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        constants = [now if value is _NOW else value for value in self.constants]
        with connection.cursor() as cursor:
            cursor.execute(self.changed_columns_sql, [self.institution_id])
            flags = cursor.fetchone() or ()
            changed = tuple(c for c, flag in zip(self.imported, flags, strict=False) if flag)
            updated = 0
            if changed:
                cursor.execute(self._update_sql(changed), [now, self.institution_id])
                updated = cursor.rowcount
            cursor.execute(self.insert_sql, [*constants, self.institution_id])
            added = cursor.rowcount
            cursor.execute(self.clear_sql)
        return added, updated

    def _update_sql(self, changed: tuple[str, ...]) -> str:
        """The UPDATE of the rows that differ in `changed`, setting those columns only: the
        others are equal on every row of the batch, and an index none of whose columns is
        set is left alone (SQLite)."""
        sql = self.update_sql.get(changed)
        if sql is not None:
            return sql
        table, stage, match = self.table, self.stage, self.match
        differs = " OR ".join(f"m.{c} {self.distinct} s.{c}" for c in changed)
        if self.update_from:
            sql = (
                f"UPDATE {table} AS m SET "  # noqa: S608
                + ", ".join(f"{c} = s.{c}" for c in changed)
                + f", {self.updated_at} = %s FROM {stage} AS s WHERE {match} AND ({differs})"
            )
        else:
            sql = (
                f"UPDATE {table} SET ({', '.join(changed)}) = ("  # noqa: S608
                f"SELECT {', '.join(f's.{c}' for c in changed)} FROM {stage} AS s "
                f"WHERE s.external_id = {table}.external_id), {self.updated_at} = %s "
                f"WHERE id IN (SELECT m.id FROM {stage} AS s JOIN {table} AS m ON {match} "
                f"WHERE {differs})"
            )
        self.update_sql[changed] = sql
        return sql

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(self.drop_sql)


def write_file(
    opener: Opener,
    kind: str,
    *,
    institution: Institution,
    actor: User | None,
    on_progress: Progress | None = None,
    today: dt.date | None = None,
    checked: Checked | None = None,
) -> Written:
    """Create or update a mobility for every row, keyed by (home institution, external id).
    Call inside a transaction, after `check_file` found nothing wrong. The rows are those
    `checked` kept, when it kept them and what they were checked against is still the same
    (the day, and the institutions, units and agreements as read now, in this transaction);
    otherwise the file is read and checked again."""
    written = Written()
    lookups = Lookups(institution)
    batches: Iterator[Batch]
    if (
        checked is not None
        and checked.staged is not None
        and checked.lookups is not None
        and checked.today == (today or dt.date.today())
        and checked.lookups.same_as(lookups)
    ):
        batches = _staged_batches(checked.staged)
    else:
        positions, stream = _data_rows(opener, kind)
        batches = _rechecked_batches(stream, RowChecker(lookups, positions, today=today))
    with _sqlite_cache_for_writing():
        _write_rows(batches, institution, actor, written, on_progress)
    return written


def _rechecked_batches(
    stream: Iterator[tuple[int, list[Any]]], checker: RowChecker
) -> Iterator[Batch]:
    row_values = itemgetter(*STAGED_FIELDS)
    batch: Batch = []
    for _number, cells in stream:
        values, problems = checker.check(cells)
        if problems:
            raise ImportFileError(
                _("The file changed after it was checked; import it again."), field="file"
            )
        batch.append(row_values(values))
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _sqlite_cache_for_writing() -> Iterator[None]:
    """SQLite keeps 2 MB of the database in memory by default: too little for the indexes
    that every added or changed row updates once the table holds a few hundred thousand
    mobilities, which it then reads again and again from the file (200,000 new rows: 7 s of
    system time instead of 2, and twice the time in all). The write gets WRITE_CACHE_KIB."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def _write_rows(
    batches: Iterator[Batch],
    institution: Institution,
    actor: User | None,
    written: Written,
    on_progress: Progress | None,
) -> None:
    done = 0
    # A first import (no external ids yet) has nothing to match: its rows are inserted
    # straight away, the check having made sure that the file repeats no id.
    any_existing = Mobility.objects.filter(
        home_institution=institution, external_id__isnull=False
    ).exists()
    if any_existing:
        _analyze()
        upserter: _Upserter | None = _Upserter(institution, actor)
        inserter = None
    else:
        upserter = None
        inserter = _Inserter(institution, actor)

    for batch in batches:
        if upserter is not None:
            added, updated = upserter.write(batch)
        else:
            assert inserter is not None
            inserter.insert(batch)
            added, updated = len(batch), 0
        written.created += added
        written.updated += updated
        written.unchanged += len(batch) - added - updated
        done += len(batch)
        if on_progress is not None and done % PROGRESS_EVERY == 0:
            on_progress(done)
    if upserter is not None:
        upserter.close()
    if written.created + written.updated >= ANALYZE_AFTER:
        _analyze()
    if on_progress is not None:
        on_progress(done)


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
    on_begin: Callable[[], None] | None = None,
    on_written: Callable[[Checked, Written], None] | None = None,
    today: dt.date | None = None,
    scratch: Path | None = None,
) -> tuple[Checked, Written | None]:
    """Check the file, then write it in one transaction if every row is good (and not
    `dry_run`). `on_begin` runs first in that transaction, `on_written` last, to record the
    import's outcome with the rows. Returns what the check found and what was written (None
    if nothing)."""
    try:
        kind = reading.sniff(opener, name)
        total = reading.count_rows(opener, kind)
    except ImportFileError as error:
        checked = Checked()
        checked.add(None, error.field, error.message)
        return checked, None
    if on_total is not None:
        on_total(total)
    # The checked rows are kept for the write in a scratch folder: the import's own, or one
    # made (and removed) here.
    folder = scratch if scratch is not None or dry_run else scratch_dir(None)
    try:
        checked = check_file(
            opener,
            kind,
            institution=institution,
            on_progress=on_check,
            today=today,
            scratch=folder,
            keep_rows=not dry_run,
        )
        if not checked.ok or dry_run:
            return checked, None
        return checked, _write_checked(
            opener,
            kind,
            checked,
            institution=institution,
            actor=actor,
            on_write=on_write,
            on_begin=on_begin,
            on_written=on_written,
            today=today,
        )
    finally:
        if folder is not None and scratch is None:
            shutil.rmtree(folder, ignore_errors=True)


def _write_checked(
    opener: Opener,
    kind: str,
    checked: Checked,
    *,
    institution: Institution,
    actor: User | None,
    on_write: Progress | None,
    on_begin: Callable[[], None] | None,
    on_written: Callable[[Checked, Written], None] | None,
    today: dt.date | None,
) -> Written | None:
    """The write of a file `check_file` found good, in one transaction; None (and the
    reason added to `checked`) when it could not be written."""
    try:
        with transaction.atomic():
            if on_begin is not None:
                on_begin()
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
                checked=checked,
            )
            if on_written is not None:
                on_written(checked, written)
    except ImportFileError as error:
        checked.add(None, error.field, error.message)
        return None
    except IntegrityError:
        checked.add(
            None,
            "file",
            _("The mobilities changed while the file was imported; import it again."),
        )
        return None
    return written
