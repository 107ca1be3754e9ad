"""Who may manage centers, book facilities and act on bookings. Views and API check these;
selectors filter by the same grounds (see access.py) so lists never show what a page refuses."""

import rules

from accord.core.memberships import institution_ids
from accord.core.rules import is_platform_staff

from . import access
from .models import Booking, BookingStatus, Facility, ResearchCenter


@rules.predicate
def is_center_manager(user, center: ResearchCenter) -> bool:  # type: ignore[no-untyped-def]
    """An explicit manager of the center, an admin or officer of its institution, or staff."""
    return center is not None and access.manages_center(user, center)


@rules.predicate
def may_create_center(user, institution) -> bool:  # type: ignore[no-untyped-def]
    """An admin or officer of the institution that will host the center."""
    return bool(
        user.is_authenticated
        and institution is not None
        and institution.pk in institution_ids(user, access.MANAGER_ROLES)
    )


@rules.predicate
def is_facility_manager(user, facility: Facility) -> bool:  # type: ignore[no-untyped-def]
    return facility is not None and access.manages_center(user, facility.center)


@rules.predicate
def can_book_facility(user, facility: Facility) -> bool:  # type: ignore[no-untyped-def]
    """A member of the host institution, or of a partner under an active agreement naming
    the center (the yearly quota is checked when booking)."""
    return facility is not None and access.can_book(user, facility)


@rules.predicate
def is_requester(user, booking: Booking) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and booking is not None and booking.requester_id == user.pk)


@rules.predicate
def manages_booking(user, booking: Booking) -> bool:  # type: ignore[no-untyped-def]
    return booking is not None and access.manages_center(user, booking.facility.center)


@rules.predicate
def can_view_booking(user, booking: Booking) -> bool:  # type: ignore[no-untyped-def]
    return bool(is_requester(user, booking) or manages_booking(user, booking))


@rules.predicate
def can_cancel_booking(user, booking: Booking) -> bool:  # type: ignore[no-untyped-def]
    """The requester or a manager, while the booking is pending or approved."""
    if booking is None or booking.status not in (
        BookingStatus.REQUESTED,
        BookingStatus.WAITLISTED,
        BookingStatus.APPROVED,
    ):
        return False
    return bool(is_requester(user, booking) or manages_booking(user, booking))


@rules.predicate
def can_decide_booking(user, booking: Booking) -> bool:  # type: ignore[no-untyped-def]
    """A manager of the booking's center, while it awaits a decision."""
    return bool(
        booking is not None
        and booking.status == BookingStatus.REQUESTED
        and manages_booking(user, booking)
    )


rules.add_perm("centers.add_center", is_platform_staff | may_create_center)
rules.add_perm("centers.change_center", is_center_manager)
rules.add_perm("centers.manage_center", is_center_manager)
rules.add_perm("centers.change_facility", is_facility_manager)
rules.add_perm("centers.book_facility", can_book_facility)
rules.add_perm("centers.view_booking", can_view_booking)
rules.add_perm("centers.cancel_booking", can_cancel_booking)
rules.add_perm("centers.decide_booking", can_decide_booking)
