"""Imports as records: who may start one, starting one from an upload, running it in the
background task, and the imports a user may see."""

import logging
import time
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
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
from . import reading
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
    found = mobility_imports_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such import.")
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
            institution=institution, original_name=original_name, created_by=actor
        )
        mobility_import.file.save(original_name, file, save=False)
        mobility_import.save()
        pk = mobility_import.pk
        transaction.on_commit(lambda: run_mobility_import.enqueue(pk))
    return mobility_import


class _ProgressWriter:
    """Writes rows_done to the import row at most every PROGRESS_INTERVAL seconds."""

    def __init__(self, pk: int) -> None:
        self.pk = pk
        self.written_at = 0.0

    def total(self, total: int) -> None:
        MobilityImport.objects.filter(pk=self.pk).update(rows_total=total)

    def checked(self, done: int) -> None:
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_INTERVAL:
            MobilityImport.objects.filter(pk=self.pk).update(rows_done=done)
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
    MobilityImport.objects.filter(pk=import_id).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), rows_done=0
    )
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
        _finish(mobility_import, checked, None)
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

    checked, written = import_file(
        opener,
        mobility_import.original_name,
        institution=mobility_import.institution,
        actor=actor,
        on_total=total,
        on_check=check,
        on_write=on_write,
        on_written=record,
    )
    if written is None:
        _finish(mobility_import, checked, None)
    return checked, written


def _finish(mobility_import: MobilityImport, checked: Checked, written: Written | None) -> None:
    mobility_import.rows_done = checked.rows
    if mobility_import.rows_total is None or written is not None:
        mobility_import.rows_total = checked.rows
    mobility_import.report = checked.report()
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
