"""The research-center lists run the same number of queries for 1 row as for 50."""

import datetime as dt

import pytest
from django.urls import reverse

from accord.centers import services
from accord.centers.models import Booking, BookingStatus
from tests.centers.world import CLOSES, OPENS, World, at, build_world, next_monday

pytestmark = pytest.mark.django_db


def add_centers(world: World, count: int) -> None:
    """`count` more centers of the host, each with one open facility."""
    for number in range(count):
        center = services.center_create(
            actor=world.officer, institution=world.host, name=f"Laboratory {number}"
        )
        facility = services.facility_create(
            actor=world.officer, center=center, name=f"Spectrometer {number}", kind="instrument"
        )
        services.opening_hours_set(
            actor=world.officer,
            facility=facility,
            hours=[(day, OPENS, CLOSES) for day in range(5)],
        )


def add_bookings(world: World, count: int, status: str) -> None:
    """`count` bookings of the partner's researcher, an hour each on successive days."""
    monday = next_monday()
    Booking.objects.bulk_create(
        Booking(
            facility=world.facility,
            requester=world.guest,
            institution=world.partner,
            agreement=world.agreement,
            provision=world.provision,
            starts_at=at(monday + dt.timedelta(days=number), 10),
            ends_at=at(monday + dt.timedelta(days=number), 11),
            purpose=f"Visit {number}",
            status=status,
        )
        for number in range(count)
    )


def queries(client, count_queries, url: str, params: dict | None = None) -> int:
    with count_queries() as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries)


def measured(client, count_queries, url, grow, params=None) -> tuple[int, int]:
    """Queries with the world as built, then with 49 more rows; after a first visit, which
    may make what a page makes once (such as the user's calendar feed)."""
    queries(client, count_queries, url, params)
    first = queries(client, count_queries, url, params)
    grow(49)
    second = queries(client, count_queries, url, params)
    return first, second


def test_facility_search_runs_the_same_queries_for_1_and_50_facilities(client, count_queries):
    world = build_world()
    client.force_login(world.researcher)

    one, fifty = measured(
        client, count_queries, reverse("centers:list"), lambda n: add_centers(world, n)
    )

    assert one == fifty
    page = client.get(reverse("centers:list")).context["page"]
    assert len(page.object_list) == 50


def test_search_for_free_time_runs_the_same_queries_for_1_and_50_facilities(client, count_queries):
    world = build_world()
    client.force_login(world.researcher)
    monday = next_monday()
    params = {
        "q": "",
        "free_from": f"{monday.isoformat()}T09:00",
        "free_to": f"{monday.isoformat()}T17:00",
    }

    one, fifty = measured(
        client, count_queries, reverse("centers:list"), lambda n: add_centers(world, n), params
    )

    assert one == fifty
    page = client.get(reverse("centers:list"), params).context["page"]
    assert len(page.object_list) == 50


def test_my_bookings_runs_the_same_queries_for_1_and_50_bookings(client, count_queries):
    world = build_world()
    add_bookings(world, 1, BookingStatus.APPROVED)
    client.force_login(world.guest)

    one, fifty = measured(
        client,
        count_queries,
        reverse("centers:my_bookings"),
        lambda n: add_bookings(world, n, BookingStatus.APPROVED),
    )

    assert one == fifty


def test_manager_queue_runs_the_same_queries_for_1_and_50_requests(client, count_queries):
    world = build_world()
    add_bookings(world, 1, BookingStatus.REQUESTED)
    client.force_login(world.manager)

    one, fifty = measured(
        client,
        count_queries,
        reverse("centers:queue"),
        lambda n: add_bookings(world, n, BookingStatus.REQUESTED),
    )

    assert one == fifty
    assert len(client.get(reverse("centers:queue")).context["page"].object_list) == 50
