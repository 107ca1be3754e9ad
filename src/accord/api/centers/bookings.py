"""Bookings and their transitions: request, approve, reject and cancel."""

import datetime as dt
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accord.centers import selectors, services
from accord.centers.models import Booking

from ..agreement_schemas import Problem
from ..base import Pagination
from .common import ERRORS, _actor, _aware
from .schemas import BookingFilters, BookingIn, BookingOut, ReasonIn

router = Router()


# Helpers -------------------------------------------------------------------------------------


# Bookings ------------------------------------------------------------------------------------


@router.get(
    "/bookings",
    response={200: list[BookingOut], 422: Problem},
    summary="The caller's bookings, or those awaiting their decision",
    description="`scope=own` (default) or `scope=to_decide`. Paginated like the centers.",
    operation_id="accord_api_centers_booking_list",
)
@paginate(Pagination, page_size=50, max_page_size=200)
def booking_list(request: HttpRequest, filters: Query[BookingFilters]) -> QuerySet[Booking]:
    if filters.scope == "own":
        return selectors.bookings_of(_actor(request))
    if filters.scope == "to_decide":
        return selectors.bookings_to_decide(_actor(request))
    raise ValidationError({"scope": "Use own or to_decide."})


@router.post(
    "/bookings",
    response={201: list[BookingOut], **ERRORS},
    summary="Request a booking",
    description=(
        "Ask for a facility from `starts_at` until `ends_at`, with `repeat_weeks` > 0 weekly "
        "that many times more (all or nothing). Refused (403) unless the caller belongs to "
        "the host institution or to a partner under an active agreement opening the center, "
        "and, for a facility that requires training, was marked trained; 422 names each bad "
        "field: a range ending before it starts, outside opening hours, in a blackout, a "
        "full slot (unless `waitlist`), or a quota exceeded."
    ),
    operation_id="accord_api_centers_booking_create",
)
def booking_create(request: HttpRequest, payload: BookingIn) -> Status[Any]:
    facility = selectors.facility_for(request.user, payload.facility)
    bookings = services.booking_request(
        actor=_actor(request),
        facility=facility,
        starts_at=cast(dt.datetime, _aware(payload.starts_at)),
        ends_at=cast(dt.datetime, _aware(payload.ends_at)),
        purpose=payload.purpose,
        project=payload.project,
        repeat_weeks=payload.repeat_weeks,
        waitlist=payload.waitlist,
    )
    return Status(
        201,
        list(selectors.bookings_of(_actor(request)).filter(pk__in=[b.pk for b in bookings])),
    )


@router.get(
    "/bookings/{booking_id}",
    response={200: BookingOut, 404: Problem},
    summary="One booking (its requester and the center's managers)",
    operation_id="accord_api_centers_booking_detail",
)
def booking_detail(request: HttpRequest, booking_id: int) -> Booking:
    return selectors.booking_for(request.user, booking_id)


@router.post(
    "/bookings/{booking_id}/approve",
    response={200: BookingOut, **ERRORS},
    summary="Approve a requested booking (the center's managers)",
    operation_id="accord_api_centers_booking_approve",
)
def booking_approve(request: HttpRequest, booking_id: int) -> Booking:
    booking = selectors.booking_for(request.user, booking_id)
    services.booking_approve(actor=_actor(request), booking=booking)
    return selectors.booking_for(request.user, booking_id)


@router.post(
    "/bookings/{booking_id}/reject",
    response={200: BookingOut, **ERRORS},
    summary="Reject a pending booking, saying why (the center's managers)",
    operation_id="accord_api_centers_booking_reject",
)
def booking_reject(request: HttpRequest, booking_id: int, payload: ReasonIn) -> Booking:
    booking = selectors.booking_for(request.user, booking_id)
    services.booking_reject(actor=_actor(request), booking=booking, reason=payload.reason)
    return selectors.booking_for(request.user, booking_id)


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: BookingOut, **ERRORS},
    summary="Cancel a booking (its requester or the center's managers)",
    operation_id="accord_api_centers_booking_cancel",
)
def booking_cancel(request: HttpRequest, booking_id: int, payload: ReasonIn) -> Booking:
    booking = selectors.booking_for(request.user, booking_id)
    services.booking_cancel(actor=_actor(request), booking=booking, reason=payload.reason)
    return selectors.booking_for(request.user, booking_id)
