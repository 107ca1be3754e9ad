"""iCalendar (RFC 5545) feeds: a facility's approved bookings, anonymous, and a user's own
bookings with their status. UIDs are stable, so clients update events instead of adding."""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accord.core.models import User

from .models import Booking, BookingStatus, Facility

B = BookingStatus
# How far back a feed reaches; calendar clients keep what they saw before.
FEED_PAST = dt.timedelta(days=180)
ICS_STATUS = {
    B.REQUESTED: "TENTATIVE",
    B.WAITLISTED: "TENTATIVE",
    B.APPROVED: "CONFIRMED",
    B.COMPLETED: "CONFIRMED",
    B.REJECTED: "CANCELLED",
    B.CANCELLED: "CANCELLED",
}


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "accord"


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.pk}@{_host()}"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Accord//Research centers//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # How often subscribed clients should fetch the feed again (RFC 7986 and the common
    # extension some clients read instead).
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar


def _event(booking: Booking, summary: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", stamp)
    event.add("dtstart", booking.starts_at.astimezone(dt.UTC))
    event.add("dtend", booking.ends_at.astimezone(dt.UTC))
    event.add("last-modified", booking.updated_at.astimezone(dt.UTC))
    event.add("summary", summary)
    event.add("status", ICS_STATUS[B(booking.status)])
    return event


def _recent(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    return bookings.filter(starts_at__gte=timezone.now() - FEED_PAST).order_by("starts_at", "pk")


def facility_calendar(facility: Facility) -> bytes:
    """The facility's approved (and completed) bookings as "Booked", with no personal data."""
    stamp = timezone.now().astimezone(dt.UTC)
    calendar = _calendar(f"{facility.name} ({facility.center.name})")
    location = ", ".join(part for part in (facility.center.name, facility.center.city) if part)
    for booking in _recent(
        Booking.objects.filter(facility=facility, status__in=(B.APPROVED, B.COMPLETED))
    ).only("pk", "starts_at", "ends_at", "status", "updated_at"):
        event = _event(booking, _("Booked"), stamp)
        event.add("location", location)
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def user_calendar(user: User) -> bytes:
    """The user's own bookings, each titled with the facility and its status."""
    stamp = timezone.now().astimezone(dt.UTC)
    calendar = _calendar(_("My bookings"))
    for booking in _recent(
        Booking.objects.filter(requester=user).select_related("facility__center")
    ):
        facility = booking.facility
        summary = f"{facility.name} ({B(booking.status).label})"
        event = _event(booking, summary, stamp)
        event.add(
            "location", ", ".join(p for p in (facility.center.name, facility.center.city) if p)
        )
        description = [booking.purpose]
        if booking.project:
            description.append(_("Project: %(project)s") % {"project": booking.project})
        if booking.decision_reason:
            description.append(_("Reason: %(reason)s") % {"reason": booking.decision_reason})
        event.add("description", "\n".join(description))
        event.add("url", f"{settings.SITE_URL}{booking.get_absolute_url()}")
        event.add(
            "transp", "OPAQUE" if booking.status in (B.APPROVED, B.COMPLETED) else "TRANSPARENT"
        )
        calendar.add_component(event)
    return calendar.to_ical()
