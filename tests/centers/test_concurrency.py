"""Capacity under concurrent requests and approvals: PostgreSQL only (SQLite serialises
every write transaction, so there is no race to lose there)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from accord.centers import services
from accord.centers.models import Booking, BookingStatus
from accord.core.models import User
from tests.centers.world import at, build_world, member, next_monday

B = BookingStatus


def _race(work, count: int) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait()
            result = work(index)
        except (ValidationError, PermissionDenied) as error:
            result = type(error).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("capacity", [1, 3])
def test_fifty_concurrent_requests_and_approvals_approve_exactly_capacity(capacity):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    world = build_world(capacity=capacity)
    start = at(next_monday(), 10)
    end = at(next_monday(), 11)
    users = [member(world.host) for _ in range(50)]
    manager = User.objects.get(pk=world.manager.pk)

    def request_and_approve(index: int) -> str:
        [booking] = services.booking_request(
            actor=User.objects.get(pk=users[index].pk),
            facility=world.facility,
            starts_at=start,
            ends_at=end,
            purpose="Race",
        )
        services.booking_approve(actor=manager, booking=booking)
        return "approved"

    outcomes = _race(request_and_approve, 50)
    assert outcomes.count("approved") == capacity
    assert outcomes.count("ValidationError") == 50 - capacity
    assert Booking.objects.filter(status=B.APPROVED).count() == capacity


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_approvals_of_pending_requests_approve_exactly_capacity():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    world = build_world(capacity=2)
    start = at(next_monday(), 10)
    bookings = [
        services.booking_request(
            actor=member(world.host),
            facility=world.facility,
            starts_at=start,
            ends_at=at(next_monday(), 11),
            purpose="Race",
        )[0]
        for _ in range(50)
    ]

    def approve(index: int) -> str:
        manager = User.objects.get(pk=world.manager.pk)
        services.booking_approve(actor=manager, booking=Booking.objects.get(pk=bookings[index].pk))
        return "approved"

    outcomes = _race(approve, 50)
    assert outcomes.count("approved") == 2
    assert Booking.objects.filter(status=B.APPROVED).count() == 2
    assert Booking.objects.filter(status=B.REQUESTED).count() == 48
