"""The page where platform staff see which background jobs failed, and why."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .selectors import failing_jobs_visible_to, job_failures_visible_to


@login_required
def job_failures(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.view_job_failures"):
        raise PermissionDenied(_("Only platform staff see the failures of background jobs."))
    return render(
        request,
        "core/job_failures.html",
        {
            "failing_jobs": failing_jobs_visible_to(request.user),  # type: ignore[arg-type]
            "failures": job_failures_visible_to(request.user),  # type: ignore[arg-type]
        },
    )
