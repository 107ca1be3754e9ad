"""The iCalendar feeds, found by their secret token alone (calendar clients send no login);
a wrong token answers 404."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .calendar import facility_calendar, user_calendar
from .models import CalendarFeed, Facility


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def facility_feed(request: HttpRequest, token: str) -> HttpResponse:
    facility = get_object_or_404(
        Facility.objects.select_related("center"), feed_token=token, is_active=True
    )
    return _ics(facility_calendar(facility), f"facility-{facility.pk}")


@require_GET
def user_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("user"), token=token, user__is_active=True
    )
    return _ics(user_calendar(feed.user), "bookings")
