"""Bookings: the user's own, those they may see, and those awaiting their decision."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ..access import AnyUser, managed_centers
from ..models import Booking
from ._base import B

# Bookings ------------------------------------------------------------------------------------


def _booking_rows() -> QuerySet[Booking]:
    return Booking.objects.select_related(
        "facility__center__institution", "requester", "institution", "agreement"
    )


def bookings_of(user: AnyUser) -> QuerySet[Booking]:
    """The user's own bookings, the latest first."""
    if not user.is_authenticated:
        return Booking.objects.none()
    return _booking_rows().filter(requester=user).order_by("-starts_at", "-pk")


def bookings_visible_to(user: AnyUser) -> QuerySet[Booking]:
    """The user's own bookings and those of the centers they manage."""
    if not user.is_authenticated:
        return Booking.objects.none()
    if user.is_staff:
        return _booking_rows()
    return _booking_rows().filter(
        Q(requester=user) | Q(facility__center_id__in=managed_centers(user).values("pk"))
    )


def booking_for(user: AnyUser, pk: int) -> Booking:
    """One booking its requester or a manager of its center asks for; 404 for anyone else."""
    return get_object_or_404(bookings_visible_to(user).select_related("decided_by"), pk=pk)


def bookings_to_decide(user: AnyUser) -> QuerySet[Booking]:
    """What the centers the user manages wait for: requests to approve or reject, and future
    bookings flagged because their agreement ended. Flagged first, then by time."""
    if not user.is_authenticated:
        return Booking.objects.none()
    centers = managed_centers(user)
    now = timezone.now()
    return (
        _booking_rows()
        .filter(facility__center_id__in=centers.values("pk"))
        .filter(
            Q(status=B.REQUESTED)
            | (
                ~Q(flagged_reason="")
                & Q(status__in=(B.REQUESTED, B.WAITLISTED, B.APPROVED), starts_at__gte=now)
            )
        )
        .annotate(
            unflagged=Case(
                When(flagged_reason="", then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("unflagged", "starts_at", "pk")
    )
