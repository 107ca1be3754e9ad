import datetime as dt

import pytest

from accord.centers import selectors, services
from accord.centers.models import Facility
from tests.centers.world import at, build_world, member, next_monday, request
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def _states(week, day_index):
    return [slot.state for slot in week.days[day_index].slots]


def test_week_shows_free_taken_mine_and_blackout_slots():
    world = build_world()
    monday = next_monday()
    taken = request(world, world.researcher, at(monday, 9), hours=2)
    services.booking_approve(actor=world.manager, booking=taken)
    request(world, world.guest, at(monday, 12))
    services.blackout_add(
        actor=world.manager,
        facility=world.facility,
        starts_at=at(monday, 15),
        ends_at=at(monday + dt.timedelta(days=1), 0),
        reason="Cleaning",
    )
    week = selectors.facility_week(world.facility, week_start=monday, user=world.guest)
    assert _states(week, 0) == [
        "taken",
        "taken",
        "free",
        "mine",
        "free",
        "free",
        "blackout",
        "blackout",
    ]
    assert _states(week, 1) == ["free"] * 8
    assert week.days[5].slots == [] and week.days[6].slots == []
    assert [cell.state for cell in week.rows[0][1]] == ["taken"] + ["free"] * 4 + ["closed"] * 2


def test_taken_slots_show_no_personal_data_to_others_but_managers_see_who():
    world = build_world()
    booking = request(world, world.researcher, at(next_monday(), 9))
    services.booking_approve(actor=world.manager, booking=booking)
    guest_view = selectors.facility_week(world.facility, week_start=next_monday(), user=world.guest)
    manager_view = selectors.facility_week(
        world.facility, week_start=next_monday(), user=world.manager
    )
    assert guest_view.days[0].slots[0].bookings == []
    assert manager_view.days[0].slots[0].bookings == [booking]


def test_search_by_keyword_institution_and_country():
    world = build_world()
    lab = services.facility_create(
        actor=world.officer, center=world.center, name="Mass spectrometer", kind="instrument"
    )
    assert list(selectors.facilities_bookable_by(world.guest, search="spectro")) == [lab]
    assert list(selectors.facilities_bookable_by(world.guest, search="azerbaijani scanner")) == [
        world.facility
    ]
    assert set(selectors.facilities_bookable_by(world.guest, search="manuscripts")) == {
        lab,
        world.facility,
    }
    assert list(selectors.facilities_bookable_by(world.guest, country="AZ")) == []
    assert set(selectors.facilities_bookable_by(world.guest, institution=world.host)) == {
        lab,
        world.facility,
    }


def test_search_shows_only_facilities_open_to_the_user():
    world = build_world()
    outsider = member(InstitutionFactory(country="PL"))
    assert list(selectors.facilities_bookable_by(outsider)) == []
    assert list(selectors.facilities_bookable_by(world.guest)) == [world.facility]


def test_free_time_search_skips_full_closed_and_blacked_out_facilities():
    world = build_world()
    monday = next_monday()
    quiet = services.facility_create(
        actor=world.officer, center=world.center, name="Reading room", kind="room"
    )
    services.opening_hours_set(
        actor=world.officer, facility=quiet, hours=[(0, dt.time(9), dt.time(11))]
    )
    closed = services.facility_create(
        actor=world.officer, center=world.center, name="Closed lab", kind="lab"
    )
    services.opening_hours_set(
        actor=world.officer, facility=closed, hours=[(3, dt.time(9), dt.time(17))]
    )
    booking = request(world, world.researcher, at(monday, 9), hours=2)
    services.booking_approve(actor=world.manager, booking=booking)

    def free(start, end):
        return set(
            selectors.facilities_bookable_by(world.guest, free_from=start, free_to=end).values_list(
                "name", flat=True
            )
        )

    assert free(at(monday, 9), at(monday, 11)) == {"Reading room"}
    assert free(at(monday, 9), at(monday, 12)) == {"Reading room", "Manuscript scanner"}
    services.blackout_add(
        actor=world.officer,
        facility=quiet,
        starts_at=at(monday, 0),
        ends_at=at(monday, 23),
        reason="Move",
    )
    assert free(at(monday, 9), at(monday, 11)) == set()
    assert free(at(monday, 0), at(monday + dt.timedelta(days=7), 0)) == {
        "Manuscript scanner",
        "Closed lab",
    }


def test_free_time_search_query_count_does_not_grow_with_facilities(count_queries):
    world = build_world()
    monday = next_monday()

    def run() -> int:
        with count_queries() as ctx:
            list(
                selectors.facilities_bookable_by(
                    world.guest, free_from=at(monday, 0), free_to=at(monday, 23)
                )
            )
        return len(ctx.captured_queries)

    run()  # the user's memberships are read once, then cached on the user
    one = run()
    for n in range(20):
        facility = services.facility_create(
            actor=world.officer, center=world.center, name=f"Room {n}", kind="room"
        )
        services.opening_hours_set(
            actor=world.officer, facility=facility, hours=[(0, dt.time(9), dt.time(17))]
        )
    assert run() == one
    assert Facility.objects.count() == 21


def test_center_usage_by_institution_and_agreement():
    world = build_world()
    monday = next_monday()
    for user, hour, hours in ((world.guest, 9, 3), (world.researcher, 13, 2)):
        booking = request(world, user, at(monday, hour), hours=hours)
        services.booking_approve(actor=world.manager, booking=booking)
    request(world, world.guest, at(monday + dt.timedelta(days=1), 9))  # pending: not used
    usage = selectors.center_usage(world.center, year=monday.year)
    assert [(row.institution, row.agreement, row.bookings, row.hours) for row in usage] == [
        (world.partner, world.agreement, 1, 3.0),
        (world.host, None, 1, 2.0),
    ]
    assert usage.total_hours == 5.0
    assert usage[0].hours_per_year == 100
    [row] = selectors.agreement_center_usage(world.agreement)
    assert (row.center, row.facility, row.bookings, row.hours, row.upcoming) == (
        world.center,
        world.facility,
        1,
        3.0,
        1,
    )
    assert selectors.agreement_center_hours([world.agreement]) == {}  # none of it is past yet


def test_free_time_search_counts_overlaps_against_capacity():
    world = build_world(capacity=2)
    monday = next_monday()
    services.opening_hours_set(
        actor=world.officer, facility=world.facility, hours=[(0, dt.time(9), dt.time(10))]
    )
    window = {"free_from": at(monday, 9), "free_to": at(monday, 10)}
    first = request(world, world.researcher, at(monday, 9))
    services.booking_approve(actor=world.manager, booking=first)
    assert list(selectors.facilities_bookable_by(world.guest, **window)) == [world.facility]
    second = request(world, member(world.host), at(monday, 9))
    services.booking_approve(actor=world.manager, booking=second)
    assert list(selectors.facilities_bookable_by(world.guest, **window)) == []
