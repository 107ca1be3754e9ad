"""Mobility imports: upload a CSV or XLSX file, follow its progress, read its report. The same
services and rules as the upload page: the home institution's staff (and platform staff) only."""

import datetime as dt
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accord.core.models import User
from accord.institutions.models import Institution
from accord.mobility.importer.services import (
    mobility_import_get_visible,
    mobility_import_restart,
    mobility_import_start,
    mobility_imports_mark_stale,
    mobility_imports_visible_to,
)
from accord.mobility.models import ImportStatus, MobilityImport

from .base import Pagination
from .openapi import Problem

router = Router(tags=["mobility imports"])
ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


class ImportOut(Schema):
    id: int
    institution: str = Field(description="Slug of the home institution.")
    file_name: str
    status: ImportStatus = Field(
        description="queued, running, failed (nothing imported: see the report) or succeeded."
    )
    rows_total: int | None = Field(description="Rows in the file, once counted.")
    rows_done: int = Field(description="Rows checked so far.")
    created_count: int
    updated_count: int
    unchanged_count: int
    error_count: int = Field(description="Problems found; the report lists them.")
    created_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    report_url: str

    @staticmethod
    def resolve_institution(obj: MobilityImport) -> str:
        return obj.institution.slug

    @staticmethod
    def resolve_file_name(obj: MobilityImport) -> str:
        return obj.original_name

    @staticmethod
    def resolve_error_count(obj: MobilityImport) -> int:
        return int((obj.report or {}).get("error_count", 0))

    @staticmethod
    def resolve_created_by(obj: MobilityImport) -> str | None:
        return obj.created_by.username if obj.created_by else None

    @staticmethod
    def resolve_report_url(obj: MobilityImport) -> str:
        return reverse("api:mobility_import_report", kwargs={"import_id": obj.pk})


class ProblemRow(Schema):
    row: int | None = Field(description="Row number as a spreadsheet shows it (header: 1).")
    field: str = Field(description="The column, or `file` / `columns` for the whole file.")
    message: str


class ReportOut(Schema):
    id: int
    status: ImportStatus
    error_count: int = Field(description="All problems found, counted.")
    errors: list[ProblemRow] = Field(description="The problems, the first 1,000 at most.")


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


@router.get(
    "/",
    response=list[ImportOut],
    summary="List mobility imports",
    description=(
        "Imports of the institutions where the caller is admin, officer or coordinator (all, "
        "for platform staff), newest first; pages of `page_size` (25 by default)."
    ),
)
@paginate(Pagination, page_size=25, max_page_size=100)
def import_list(request: HttpRequest) -> QuerySet[MobilityImport]:
    imports = mobility_imports_visible_to(_actor(request))
    # Imports whose process stopped are listed as failed.
    mobility_imports_mark_stale(
        imports.filter(status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING))
    )
    return imports


@router.post(
    "/",
    response={202: ImportOut, **ERRORS},
    summary="Upload a file of mobilities",
    description=(
        "Multipart form with `institution` (slug of the home institution) and `file`, a CSV "
        "(UTF-8) or XLSX file in the layout of docs/mobility-import.md. The file is stored and "
        "imported in the background: follow `status` until it is `succeeded` (every row "
        "written) or `failed` (nothing written; the report names each bad row and column)."
    ),
)
def import_create(
    request: HttpRequest, institution: Form[str], file: File[UploadedFile]
) -> Status[Any]:
    home = Institution.objects.filter(slug=institution).first()
    if home is None:
        raise ValidationError({"institution": gettext("No institution has this slug.")})
    mobility_import = mobility_import_start(actor=_actor(request), institution=home, file=file)
    return Status(202, mobility_import_get_visible(_actor(request), mobility_import.pk))


@router.get(
    "/{import_id}",
    response={200: ImportOut, **ERRORS},
    summary="A mobility import's status and counts",
)
def import_detail(request: HttpRequest, import_id: int) -> MobilityImport:
    return mobility_import_get_visible(_actor(request), import_id)


@router.get(
    "/{import_id}/report",
    response={200: ReportOut, **ERRORS},
    url_name="mobility_import_report",
    summary="A mobility import's report of problems",
)
def import_report(request: HttpRequest, import_id: int) -> dict[str, Any]:
    mobility_import = mobility_import_get_visible(_actor(request), import_id)
    report = mobility_import.report or {}
    return {
        "id": mobility_import.pk,
        "status": mobility_import.status,
        "error_count": report.get("error_count", 0),
        "errors": report.get("errors", []),
    }


@router.post(
    "/{import_id}/restart",
    response={202: ImportOut, **ERRORS},
    summary="Start a failed mobility import again",
    description=(
        "Queue a `failed` import again from the file stored with it: after the process running "
        "it stopped (its report says so), or once what the report named is put right outside "
        "the file (a host institution added to the register). Answers 202 with the import, "
        "status `queued`; 422 when it has not failed or its file is no longer stored."
    ),
)
def import_restart(request: HttpRequest, import_id: int) -> Status[Any]:
    mobility_import = mobility_import_get_visible(_actor(request), import_id)
    mobility_import_restart(actor=_actor(request), mobility_import=mobility_import)
    return Status(202, mobility_import_get_visible(_actor(request), import_id))
