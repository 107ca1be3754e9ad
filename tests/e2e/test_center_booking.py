"""A partner's researcher books time in KazNU's Azerbaijani center, its manager approves, and
the booking shows in the researcher's calendar feed and among the memorandum's outcomes."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from accord.agreements.models import Agreement
from accord.centers.models import Booking, BookingStatus
from accord.core.demo import CENTER_NAME, SEED_TITLE
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FACILITY = "Archive reading room"
PURPOSE = "Letters of the Azerbaijani community of Almaty, 1960s"


@pytest.fixture
def demo():
    call_command("demo", verbosity=0)


def test_partner_researcher_books_a_kaznu_facility_and_the_manager_approves_it(
    demo, new_page, tmp_path
):
    password = settings.ACCORD_DEMO_PASSWORD
    # A Tuesday two weeks ahead, at 15:00: after everything the demo has booked.
    today = timezone.localdate()
    week = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=2)
    tuesday = week + dt.timedelta(days=1)
    slot = f"{tuesday.isoformat()}T15:00"

    researcher = new_page()
    log_in(researcher, "anas-researcher", password)
    researcher.click("nav >> text=Research centers")
    researcher.fill("#id_q", "reading room")
    researcher.select_option("#id_institution", label="Al-Farabi Kazakh National University")
    researcher.click("form.centers-search button[type=submit]")
    row = researcher.locator("table.centers-table tbody tr", has_text=FACILITY)
    assert row.count() == 1
    assert CENTER_NAME in row.inner_text()
    row.locator("a", has_text=FACILITY).click()
    researcher.wait_for_url("**/centers/facilities/*/")
    assert researcher.locator("h1").inner_text() == FACILITY

    # On through the calendar's own links to that week, then a click on its free slot.
    free_slot = researcher.locator(f"#week td.is-free a[data-starts='{slot}']")
    for _week in range(3):
        if free_slot.count():
            break
        heading = researcher.inner_text("#week-heading")
        researcher.click("#week a[rel=next]")
        researcher.wait_for_function(
            "heading => document.querySelector('#week-heading').innerText !== heading", arg=heading
        )
    assert free_slot.count() == 1
    researcher.screenshot(path=str(tmp_path / "week.png"), full_page=True)
    researcher.click(f"#week td.is-free a[data-starts='{slot}']")
    researcher.wait_for_url(lambda url: "starts_at=" in url)
    assert researcher.input_value("#id_starts_at") == slot
    assert researcher.input_value("#id_ends_at") == f"{tuesday.isoformat()}T16:00"
    researcher.fill("#id_purpose", PURPOSE)
    researcher.fill("#id_project", "Azerbaijanis of Kazakhstan")
    researcher.click("form.centers-book-form button[type=submit]")
    researcher.wait_for_url("**/centers/bookings/*/")
    booking = Booking.objects.get(purpose=PURPOSE)
    assert booking.status == BookingStatus.REQUESTED
    assert researcher.locator(".badge.centers-status-requested").count() == 1

    # The center's manager approves it from the queue.
    manager = new_page()
    log_in(manager, "kaznu-officer", password)
    manager.goto("/centers/queue/")
    item = manager.locator(".centers-queue > li", has_text=PURPOSE)
    assert item.count() == 1
    item.locator("button", has_text="Approve").click()
    manager.wait_for_load_state()
    assert manager.locator(".messages", has_text="was approved").count() == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED
    assert booking.decided_by.username == "kaznu-officer"

    # It is in the researcher's calendar feed, read from the address "My bookings" shows.
    researcher.click("nav >> text=Research centers")
    researcher.click(".centers-tabs >> text=My bookings")
    researcher.wait_for_url("**/centers/bookings/")
    mine = researcher.locator("table.centers-bookings tbody tr", has_text=FACILITY).filter(
        has_text=tuesday.strftime("%-d %b %Y")
    )
    # Waits for the page the click opens, which a busy machine may not have drawn yet.
    expect(mine.locator(".badge.centers-status-approved")).to_have_count(1)
    feed_url = researcher.input_value("#feed-url")
    response = researcher.request.get(feed_url)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.body())
    events = [
        event
        for event in calendar.walk("VEVENT")
        if event.decoded("dtstart") == booking.starts_at and FACILITY in str(event["summary"])
    ]
    assert len(events) == 1
    assert str(events[0]["status"]) == "CONFIRMED"

    # And among the memorandum's outcomes, as hours booked ahead in the center.
    memorandum = Agreement.objects.get(title=SEED_TITLE)
    researcher.goto(f"/agreements/{memorandum.pk}/")
    usage = researcher.locator("#center-usage tr", has_text=FACILITY)
    assert usage.count() == 1
    assert "2 bookings" in usage.inner_text()
    researcher.screenshot(path=str(tmp_path / "agreement.png"), full_page=True)
