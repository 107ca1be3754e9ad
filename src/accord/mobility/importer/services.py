"""Imports as records: who may start one, starting one from an upload, running it in the
background task, the imports a user may see, and imports whose process stopped (marked
failed when seen, and by `mark_stale_imports_failed`, then started again)."""

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accord.core.audit import audit_record
from accord.core.memberships import staff_institution_ids
from accord.core.models import User
from accord.institutions.models import Institution

from ..models import ImportStatus, MobilityImport
from . import reading, stale
from .reading import ImportFileError, Opener
from .run import Checked, Progress, Written, import_file

logger = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".csv", ".xlsx")
# The page's progress is written at most this often (seconds) while a file is checked.
PROGRESS_INTERVAL = 0.5


def max_upload_bytes() -> int:
    return settings.ACCORD_MOBILITY_IMPORT_MAX_BYTES


def can_import_for(user: User, institution: Institution) -> bool:
    """Platform staff, and the admins, officers and coordinators of the home institution."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or institution.pk in staff_institution_ids(user))


def institutions_importable_by(user: User) -> QuerySet[Institution]:
    if user.is_staff:
        return Institution.objects.all()
    return Institution.objects.filter(pk__in=staff_institution_ids(user))


def mobility_imports_visible_to(user: User) -> QuerySet[MobilityImport]:
    """The imports of the institutions whose staff `user` is (all, for platform staff)."""
    queryset = MobilityImport.objects.select_related("institution", "created_by")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_staff:
        return queryset
    return queryset.filter(institution_id__in=staff_institution_ids(user))


def mobility_import_get_visible(user: User, pk: int) -> MobilityImport:
    """The import, as it stands: one whose process stopped is marked failed on the way."""
    found = mobility_imports_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such import.")
    mobility_imports_mark_stale([found])
    return found


def _check_upload(file: UploadedFile) -> None:
    name = file.name or ""
    problems = []
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        problems.append(_("Upload a .csv or .xlsx file; %(name)s is neither.") % {"name": name})
    elif file.size is not None and file.size > max_upload_bytes():
        problems.append(
            _("The file is %(size)s; at most %(limit)s may be uploaded.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(max_upload_bytes())}
        )
    else:
        file.seek(0)
        head = file.read(reading.SNIFF_BYTES)
        file.seek(0)
        try:
            reading.sniff_head(head, name)
        except ImportFileError as error:
            problems.append(error.message)
    if problems:
        raise ValidationError({"file": problems})


def mobility_import_start(
    *, actor: User, institution: Institution, file: UploadedFile
) -> MobilityImport:
    """Store the file and queue its import for `institution` (the home institution)."""
    if not can_import_for(actor, institution):
        raise PermissionDenied(_("You may import mobilities only for your own institution."))
    _check_upload(file)
    from ..import_tasks import run_mobility_import

    original_name = Path(file.name or "mobilities").name[:255]
    with transaction.atomic():
        mobility_import = MobilityImport(
            institution=institution,
            original_name=original_name,
            created_by=actor,
            heartbeat_at=timezone.now(),
        )
        mobility_import.file.save(original_name, file, save=False)
        mobility_import.save()
        pk = mobility_import.pk
        transaction.on_commit(lambda: run_mobility_import.enqueue(pk))
    return mobility_import


class _ProgressWriter:
    """Writes rows_done, and the heartbeat that says the import still runs, to the import row
    at most every PROGRESS_INTERVAL seconds."""

    def __init__(self, pk: int) -> None:
        self.pk = pk
        self.written_at = 0.0

    def total(self, total: int) -> None:
        MobilityImport.objects.filter(pk=self.pk).update(
            rows_total=total, heartbeat_at=timezone.now()
        )

    def checked(self, done: int) -> None:
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_INTERVAL:
            MobilityImport.objects.filter(pk=self.pk).update(
                rows_done=done, heartbeat_at=timezone.now()
            )
            self.written_at = now


def mobility_import_run(*, import_id: int) -> str:
    """Run a queued import: its status ends as succeeded (every row written) or failed
    (nothing written, the report names each problem). Running it again after it ended does
    nothing; a run interrupted midway can be run again and converges."""
    mobility_import = (
        MobilityImport.objects.select_related("institution", "created_by")
        .filter(pk=import_id)
        .first()
    )
    if mobility_import is None or mobility_import.status in (
        ImportStatus.SUCCEEDED,
        ImportStatus.FAILED,
    ):
        return "gone" if mobility_import is None else mobility_import.status
    # The report is read by the person who uploaded the file: written in their language.
    uploader = mobility_import.created_by
    with translation.override(uploader.language if uploader else settings.LANGUAGE_CODE):
        return _run(mobility_import)


def _run(mobility_import: MobilityImport) -> str:
    import_id = mobility_import.pk
    now = timezone.now()
    # Only one process takes a queued import, however many tasks were queued for it.
    claimed = MobilityImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        runner=stale.runner_identity(),
        rows_done=0,
    )
    if not claimed:
        status = MobilityImport.objects.filter(pk=import_id).values_list("status", flat=True)
        return str(status.first() or "gone")
    storage = mobility_import.file.storage
    file_name = mobility_import.file.name

    def opener() -> IO[bytes]:
        return storage.open(file_name, "rb")

    if not file_name or not storage.exists(file_name):
        checked = Checked()
        checked.add(None, "file", _("The uploaded file is no longer stored; upload it again."))
        _finish(mobility_import, checked, None)
        return ImportStatus.FAILED
    try:
        checked, written = run_import(
            mobility_import, opener, actor=mobility_import.created_by, progress=True
        )
    except Exception:
        logger.exception("Mobility import %s failed", import_id)
        checked = Checked()
        checked.add(None, "file", _("The import stopped on an unexpected error; try again."))
        _finish(mobility_import, checked, None, stopped=True)
        raise
    return ImportStatus.SUCCEEDED if written is not None else ImportStatus.FAILED


def run_import(
    mobility_import: MobilityImport,
    opener: Opener,
    *,
    actor: User | None,
    progress: bool = False,
    on_total: Progress | None = None,
    on_check: Progress | None = None,
    on_write: Progress | None = None,
) -> tuple[Checked, Written | None]:
    """Import the file behind `mobility_import`; the outcome is recorded on it and, with the
    rows, in one audit event."""
    writer = _ProgressWriter(mobility_import.pk)

    def total(value: int) -> None:
        if progress:
            writer.total(value)
        if on_total is not None:
            on_total(value)

    def check(done: int) -> None:
        if progress:
            writer.checked(done)
        if on_check is not None:
            on_check(done)

    def record(checked: Checked, written: Written) -> None:
        _finish(mobility_import, checked, written)
        audit_record(
            actor=actor,
            action="mobility.import",
            target=mobility_import,
            changes={
                "file": mobility_import.original_name,
                "rows": checked.rows,
                "created": written.created,
                "updated": written.updated,
                "unchanged": written.unchanged,
            },
        )

    def begin() -> None:
        # Held until the write commits: on PostgreSQL a look for stopped imports skips an
        # import whose row is locked, which its process is writing (or waiting to write).
        list(MobilityImport.objects.select_for_update().filter(pk=mobility_import.pk).values("pk"))

    scratch = stale.scratch_dir(mobility_import.pk)
    try:
        checked, written = import_file(
            opener,
            mobility_import.original_name,
            institution=mobility_import.institution,
            actor=actor,
            on_total=total,
            on_check=check,
            on_write=on_write,
            on_begin=begin,
            on_written=record,
            scratch=scratch,
        )
    finally:
        stale.scratch_remove(mobility_import.pk)
    if written is None:
        _finish(mobility_import, checked, None)
    return checked, written


def _finish(
    mobility_import: MobilityImport,
    checked: Checked,
    written: Written | None,
    *,
    stopped: bool = False,
) -> None:
    mobility_import.rows_done = checked.rows
    if mobility_import.rows_total is None or written is not None:
        mobility_import.rows_total = checked.rows
    mobility_import.report = checked.report()
    if stopped:
        mobility_import.report["stopped"] = True
    mobility_import.finished_at = timezone.now()
    if written is None:
        mobility_import.status = ImportStatus.FAILED
        mobility_import.created_count = mobility_import.updated_count = 0
        mobility_import.unchanged_count = 0
    else:
        mobility_import.status = ImportStatus.SUCCEEDED
        mobility_import.created_count = written.created
        mobility_import.updated_count = written.updated
        mobility_import.unchanged_count = written.unchanged
    mobility_import.save(
        update_fields=[
            "rows_done",
            "rows_total",
            "report",
            "finished_at",
            "status",
            "created_count",
            "updated_count",
            "unchanged_count",
        ]
    )


# Imports whose process stopped --------------------------------------------------------------


def _stale_message(reason: str) -> str:
    if reason == "not_started":
        return _(
            "No process took the import within an hour (is accord worker running?); nothing "
            "was imported. Start it again."
        )
    return _(
        "The process running the import stopped before it finished; nothing was imported. "
        "Start it again."
    )


@contextmanager
def _without_waiting_for_writers() -> Iterator[None]:
    """On SQLite, fail at once instead of waiting when another connection holds the write
    lock, as an import does while it writes: a page must not wait minutes for it."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        previous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {previous}")


def _mark_failed(mobility_import: MobilityImport, reason: str) -> bool:
    """Mark the import failed if it is still as it was read and no process holds it."""
    matching = MobilityImport.objects.filter(
        pk=mobility_import.pk,
        status=mobility_import.status,
        heartbeat_at=mobility_import.heartbeat_at,
    )
    uploader = mobility_import.created_by
    with translation.override(uploader.language if uploader else settings.LANGUAGE_CODE):
        checked = Checked()
        checked.add(None, "file", _stale_message(reason))
    # "stopped": the same file may be run again as it is (the page offers to).
    report = {**checked.report(), "stopped": True}
    now = timezone.now()
    try:
        with _without_waiting_for_writers(), transaction.atomic():
            if connection.vendor == "postgresql":
                # A row locked by the import's own write transaction is alive: skip it.
                matching = matching.select_for_update(skip_locked=True)
            if not list(matching.values_list("pk", flat=True)):
                return False
            matching.update(
                status=ImportStatus.FAILED,
                report=report,
                finished_at=now,
                created_count=0,
                updated_count=0,
                unchanged_count=0,
            )
            audit_record(
                actor=None,
                action="mobility.import_stopped",
                target=mobility_import,
                changes={
                    "file": mobility_import.original_name,
                    "status": [mobility_import.status, ImportStatus.FAILED],
                    "runner": mobility_import.runner,
                },
            )
    except OperationalError:
        # SQLite's write lock is held, by this import's write if by anything: not now.
        return False
    logger.warning(
        "Mobility import %s marked failed: its process stopped (%s)",
        mobility_import.pk,
        mobility_import.runner or "never started",
    )
    stale.scratch_remove(mobility_import.pk)
    mobility_import.status = ImportStatus.FAILED
    mobility_import.report = report
    mobility_import.finished_at = now
    mobility_import.created_count = mobility_import.updated_count = 0
    mobility_import.unchanged_count = 0
    return True


def mobility_imports_mark_stale(imports: Iterable[MobilityImport]) -> int:
    """Of these imports (already read), mark failed each whose process stopped, with the
    reason in its report, and remove its temporary files; the objects are updated in place.
    Costs no query while every import is finished or alive."""
    now = timezone.now()
    marked = 0
    for mobility_import in imports:
        reason = stale.stale_reason(mobility_import, now)
        if reason is not None and _mark_failed(mobility_import, reason):
            marked += 1
    return marked


def mark_stale_imports_failed() -> int:
    """The periodic sweep: mark failed every import whose process stopped, and remove the
    temporary files on this host of imports that no longer run; how many were marked."""
    unfinished = MobilityImport.objects.filter(
        status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
    ).select_related("created_by")
    marked = mobility_imports_mark_stale(list(unfinished))
    running = set(
        MobilityImport.objects.filter(
            status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
        ).values_list("pk", flat=True)
    )
    stale.scratch_sweep(running)
    return marked


def mobility_import_restart(*, actor: User, mobility_import: MobilityImport) -> MobilityImport:
    """Queue a failed import again, from the file stored with it: after its process stopped,
    or once what its report named (a host institution missing from the register) is put
    right."""
    if not can_import_for(actor, mobility_import.institution):
        raise PermissionDenied(_("You may import mobilities only for your own institution."))
    mobility_imports_mark_stale([mobility_import])
    if mobility_import.status != ImportStatus.FAILED:
        raise ValidationError(
            {
                "status": _(
                    "Only an import that failed can be started again; this one is %(status)s."
                )
                % {"status": mobility_import.get_status_display()}
            }
        )
    name = mobility_import.file.name
    if not name or not mobility_import.file.storage.exists(name):
        raise ValidationError(
            {"file": _("The uploaded file is no longer stored; upload it again.")}
        )
    from ..import_tasks import run_mobility_import

    now = timezone.now()
    with transaction.atomic():
        restarted = MobilityImport.objects.filter(
            pk=mobility_import.pk, status=ImportStatus.FAILED
        ).update(
            status=ImportStatus.QUEUED,
            report={},
            rows_total=None,
            rows_done=0,
            created_count=0,
            updated_count=0,
            unchanged_count=0,
            started_at=None,
            finished_at=None,
            runner="",
            heartbeat_at=now,
        )
        if not restarted:
            raise ValidationError({"status": _("The import was started again already.")})
        audit_record(
            actor=actor,
            action="mobility.import_restart",
            target=mobility_import,
            changes={
                "file": mobility_import.original_name,
                "report": mobility_import.report,
            },
        )
        pk = mobility_import.pk
        transaction.on_commit(lambda: run_mobility_import.enqueue(pk))
    mobility_import.refresh_from_db()
    return mobility_import
