"""The record of background tasks that failed, for platform staff to see and to be told of.

Every run of a task ends with django-tasks' `task_finished` signal, in the web process (no
worker) or in `accord worker`. `task_outcome_record` writes a failed run down then: after the
task's own transaction has rolled back, so the record survives the failure it describes. A
success afterwards marks the job as recovered; staff are mailed at most once a day per job.
"""

import datetime as dt
import logging
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.base import TaskError

from .models import BackgroundJob, JobFailure, User

logger = logging.getLogger(__name__)

# The end of a traceback says where the error was raised; the rest is the task runner's.
TRACEBACK_CHARS = 4000
MESSAGE_CHARS = 2000


def job_failure_record(
    *,
    task_path: str,
    error_type: str,
    error_message: str,
    traceback: str = "",
    at: dt.datetime | None = None,
) -> JobFailure:
    """Record that the task at `task_path` failed; the first failure of a job on a day is
    mailed to platform staff. Call outside the failed task's transaction."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    with transaction.atomic():
        job, _created = BackgroundJob.objects.select_for_update().get_or_create(
            task_path=task_path, defaults={"last_failed_at": at}
        )
        failure = JobFailure.objects.create(
            job=job,
            failed_at=at,
            error_type=error_type[:200],
            error_message=error_message[:MESSAGE_CHARS],
            traceback=traceback[-TRACEBACK_CHARS:],
        )
        notify = job.staff_notified_on != today
        job.last_failed_at = max(job.last_failed_at, at)
        job.staff_notified_on = today
        job.save(update_fields=["last_failed_at", "staff_notified_on"])
    if notify and not _staff_notified(failure):
        # Nobody was told: the next failure today tries again.
        BackgroundJob.objects.filter(pk=job.pk).update(staff_notified_on=None)
    return failure


def job_success_record(*, task_path: str, at: dt.datetime | None = None) -> None:
    """Record that the task at `task_path` ran to its end: a job that failed before is
    recovered. A task that never failed has no row, and none is written for it."""
    at = at or timezone.now()
    BackgroundJob.objects.filter(
        Q(last_succeeded_at=None) | Q(last_succeeded_at__lt=at), task_path=task_path
    ).update(last_succeeded_at=at)


def _staff_notified(failure: JobFailure) -> bool:
    """Mail each platform staff member with an address about `failure`, in their language;
    whether anyone was written to."""
    staff = User.objects.filter(is_staff=True, is_active=True).exclude(email="").order_by("pk")
    url = f"{settings.SITE_URL}{reverse('job_failures')}"
    told = False
    for person in staff:
        with translation.override(person.language or settings.LANGUAGE_CODE):
            subject = _("Accord: the background job %(job)s failed") % {"job": failure.job.name}
            body = _(
                "Dear %(name)s,\n\n"
                "the background job %(job)s failed on %(date)s at %(time)s:\n"
                "%(error)s\n\n"
                "Its failures are listed at\n%(url)s\n"
                "You are told of a job's failures at most once a day.\n\n"
                "Accord"
            ) % {
                "name": person.get_full_name() or person.username,
                "job": failure.job.name,
                "date": date_format(timezone.localtime(failure.failed_at).date()),
                "time": date_format(timezone.localtime(failure.failed_at), "TIME_FORMAT"),
                "error": f"{failure.error_type}: {failure.error_message}".strip(": "),
                "url": url,
            }
        try:
            send_mail(subject, body, None, [person.email])
        except (SMTPException, OSError):
            logger.exception("Staff not told of the failure of %s", failure.job.task_path)
            continue
        told = True
    return told


def _error_message(error: TaskError) -> str:
    """The exception's message: what follows its name on the traceback's last lines."""
    lines = error.traceback.rstrip().splitlines()
    names = (error.exception_class_path, error.exception_class_path.rsplit(".", 1)[-1])
    for index in range(len(lines) - 1, -1, -1):
        for name in names:
            if lines[index] == name or lines[index].startswith(f"{name}: "):
                text = "\n".join([lines[index][len(name) + 2 :], *lines[index + 1 :]])
                return text.strip()
    return ""


def task_outcome_record(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    """django-tasks' `task_finished`: record a failed run, or a success after failures. A
    fault in the record itself is logged and leaves the task's result as it was."""
    task_path = task_result.task.module_path
    at = task_result.finished_at or timezone.now()
    try:
        if task_result.status == TaskResultStatus.FAILED:
            error = task_result.errors[-1] if task_result.errors else None
            job_failure_record(
                task_path=task_path,
                error_type=error.exception_class_path if error else "",
                error_message=_error_message(error) if error else "",
                traceback=error.traceback if error else "",
                at=at,
            )
        elif task_result.status == TaskResultStatus.SUCCESSFUL:
            job_success_record(task_path=task_path, at=at)
    except DatabaseError:
        logger.exception("The outcome of a run of %s was not recorded", task_path)
