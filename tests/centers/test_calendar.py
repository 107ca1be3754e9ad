import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from accord.centers import services
from tests.centers.world import at, build_world, next_monday, request

pytestmark = pytest.mark.django_db


def _events(response):
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def test_facility_feed_has_approved_bookings_without_personal_data(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10), hours=2)
    request(world, world.researcher, at(next_monday(), 14))  # pending: not in the feed
    services.booking_approve(actor=world.manager, booking=booking)
    url = reverse("centers:facility_feed", kwargs={"token": world.facility.feed_token})
    [event] = _events(client.get(url))
    assert str(event["summary"]) == "Booked"
    assert event.decoded("dtstart") == at(next_monday(), 10).astimezone(dt.UTC)
    assert event.decoded("dtend") == at(next_monday(), 12)
    assert str(event["status"]) == "CONFIRMED"
    assert "dtstamp" in event
    body = client.get(url).content.decode()
    assert f"DTSTART:{at(next_monday(), 10).astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in body
    assert world.guest.last_name not in body and "Scanning" not in body
    assert str(event["uid"]) == str(_events(client.get(url))[0]["uid"])


def test_user_feed_has_own_bookings_with_status(client):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    request(world, world.researcher, at(next_monday(), 12))
    feed = services.calendar_feed_for(world.guest)
    url = reverse("centers:user_feed", kwargs={"token": feed.token})
    [event] = _events(client.get(url))
    assert str(event["summary"]) == "Manuscript scanner (Requested)"
    assert str(event["status"]) == "TENTATIVE"
    assert str(event["uid"]).startswith(f"booking-{booking.pk}@")
    services.booking_approve(actor=world.manager, booking=booking)
    [event] = _events(client.get(url))
    assert str(event["status"]) == "CONFIRMED"


def test_feed_with_a_wrong_token_is_not_found(client):
    world = build_world()
    feed = services.calendar_feed_for(world.guest)
    for name in ("centers:facility_feed", "centers:user_feed"):
        assert client.get(reverse(name, kwargs={"token": "wrong-token"})).status_code == 404
    old = feed.token
    services.calendar_feed_reset(actor=world.guest)
    assert client.get(reverse("centers:user_feed", kwargs={"token": old})).status_code == 404
    assert services.calendar_feed_for(world.guest).token != old


def test_feed_times_are_utc_when_the_server_keeps_another_time_zone(client, settings):
    settings.TIME_ZONE = "Asia/Almaty"
    world = build_world()
    booking = request(world, world.researcher, at(next_monday(), 10))  # 10:00 in Almaty
    services.booking_approve(actor=world.manager, booking=booking)
    url = reverse("centers:facility_feed", kwargs={"token": world.facility.feed_token})
    body = client.get(url).content.decode()
    utc = booking.starts_at.astimezone(dt.UTC)
    assert utc.hour != 10
    assert f"DTSTART:{utc:%Y%m%dT%H%M%SZ}" in body
