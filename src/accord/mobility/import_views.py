"""The pages of mobility imports: upload, progress and report, past imports, the template."""

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.core.exports import neutralise
from accord.core.forms import apply_errors
from accord.core.models import User

from .importer.forms import ImportUploadForm
from .importer.layout import COLUMNS, XLSX_CONTENT_TYPE, template_csv, template_xlsx
from .importer.services import (
    can_import_for,
    institutions_importable_by,
    mobility_import_get_visible,
    mobility_import_restart,
    mobility_import_start,
    mobility_imports_mark_stale,
    mobility_imports_visible_to,
)
from .models import ImportStatus, MobilityImport

PAGE_SIZE = 25
# How often (seconds) the page asks for the progress of a running import.
POLL_SECONDS = 1


class AuthenticatedRequest(HttpRequest):
    user: User  # every view here but the template is behind login_required


@login_required
@require_GET
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    paginator = Paginator(mobility_imports_visible_to(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    mobility_imports_mark_stale(page.object_list)
    return render(
        request,
        "mobility/imports/import_list.html",
        {
            "nav": "mobility",
            "page": page,
            "may_import": request.user.is_staff
            or institutions_importable_by(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_create(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.is_staff and not institutions_importable_by(request.user).exists():
        raise PermissionDenied(_("You may import mobilities only for your own institution."))
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                mobility_import = mobility_import_start(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect(mobility_import)
    else:
        # The institution a corrected file is for; the form chooses an only one by itself.
        initial = (
            {"institution": request.GET["institution"]} if request.GET.get("institution") else {}
        )
        form = ImportUploadForm(initial=initial, user=request.user)
    return render(
        request,
        "mobility/imports/import_form.html",
        {"nav": "mobility", "form": form, "columns": COLUMNS},
    )


def _status_context(mobility_import: MobilityImport, user: User) -> dict[str, Any]:
    finished = mobility_import.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
    total = mobility_import.rows_total
    report = mobility_import.report or {}
    errors = report.get("errors", [])
    file_errors = [error for error in errors if not error.get("row")]
    return {
        "import": mobility_import,
        "finished": finished,
        "poll_seconds": POLL_SECONDS,
        "percent": (100 * mobility_import.rows_done // total) if total else None,
        "errors": errors,
        "error_count": report.get("error_count", len(errors)),
        "truncated": report.get("error_count", 0) > len(errors),
        "file_errors": file_errors,
        # The same file is worth running again when the import stopped, not when its rows
        # or the file need correcting.
        "stopped": mobility_import.status == ImportStatus.FAILED and bool(report.get("stopped")),
        "may_restart": mobility_import.status == ImportStatus.FAILED
        and bool(report.get("stopped"))
        and bool(mobility_import.file)
        and can_import_for(user, mobility_import.institution),
    }


@login_required
@require_GET
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mobility_import = mobility_import_get_visible(request.user, pk)
    return render(
        request,
        "mobility/imports/import_detail.html",
        {"nav": "mobility", **_status_context(mobility_import, request.user)},
    )


@login_required
@require_GET
def import_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The progress or outcome block of the import page, which htmx polls while it runs."""
    mobility_import = mobility_import_get_visible(request.user, pk)
    return render(
        request, "mobility/imports/_status.html", _status_context(mobility_import, request.user)
    )


@login_required
@require_POST
def import_restart(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Start a failed import again from its stored file."""
    mobility_import = mobility_import_get_visible(request.user, pk)
    try:
        mobility_import_restart(actor=request.user, mobility_import=mobility_import)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(mobility_import)


@login_required
@require_GET
def import_report_csv(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mobility_import = mobility_import_get_visible(request.user, pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Problem")])
    for error in (mobility_import.report or {}).get("errors", []):
        writer.writerow(
            [
                error.get("row") or "",
                neutralise(error.get("field", "")),
                neutralise(error["message"]),
            ]
        )
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{pk}-report.csv"'
    return response


@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The template of the column layout, with one example row: open to anyone."""
    if fmt == "xlsx":
        response = HttpResponse(template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mobility-import-template.{fmt}"'
    return response
