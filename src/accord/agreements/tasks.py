"""Background work on agreements, run once a day by `accord daily` (see its help)."""

from django_tasks import task

from . import services


@task()
def expire_agreements() -> list[int]:
    """Expire active agreements past their end (or extend those that renew automatically)."""
    return services.agreements_expire_due()


@task()
def send_expiry_reminders() -> int:
    """E-mail coordinators of agreements nearing their end; each reminder goes once."""
    return services.expiry_reminders_send()
