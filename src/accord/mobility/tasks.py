"""Background work on mobilities, run once a day by `accord daily` (see its help)."""

from django_tasks import task

from . import services


@task()
def send_obligation_reminders() -> int:
    """E-mail the home institutions' officers before return obligations fall due; each
    reminder goes once."""
    return services.obligation_reminders_send()
