"""Background work on bookings, run once a day by `accord daily`."""

from django_tasks import task

from . import services


@task()
def complete_past_bookings() -> int:
    """Mark approved bookings that have ended as completed."""
    return services.bookings_complete_past()


@task()
def flag_bookings_of_ended_agreements() -> int:
    """Flag future bookings made under agreements that expired or were terminated."""
    return services.bookings_flag_ended_agreements()
