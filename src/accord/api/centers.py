"""Research centers, their facilities and availability, and bookings with their transitions:
the same services, selectors and rules as the pages. What the caller may not see answers 404."""

import datetime as dt
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from accord.centers import rules, selectors, services
from accord.centers.models import (
    Booking,
    BookingStatus,
    CenterPhoto,
    Facility,
    FacilityKind,
    OpeningHours,
    ResearchCenter,
)
from accord.core.models import User
from accord.institutions.models import Institution

from .agreement_schemas import Problem
from .base import BearerToken, OptionalAuth

router = Router(tags=["centers"])
READ_AUTH = [BearerToken(), OptionalAuth()]
ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


# Schemas -------------------------------------------------------------------------------------


class InstitutionRef(Schema):
    slug: str
    name: str
    country: str

    @staticmethod
    def resolve_country(obj: Institution) -> str:
        return obj.country.code


class CenterOut(Schema):
    slug: str
    name: str
    names: dict[str, str] = Field(description="Names in other languages, by language code.")
    institution: InstitutionRef
    unit: str | None = Field(description="The unit of the institution hosting the center.")
    description: str
    address: str
    city: str
    contact_name: str
    contact_email: str
    contact_phone: str
    is_public: bool
    url: str

    @staticmethod
    def resolve_unit(obj: ResearchCenter) -> str | None:
        return obj.unit.name if obj.unit is not None else None

    @staticmethod
    def resolve_url(obj: ResearchCenter) -> str:
        return obj.get_absolute_url()


class OpeningHoursOut(Schema):
    weekday: int = Field(description="0 = Monday … 6 = Sunday.")
    opens: dt.time
    closes: dt.time


class FacilityOut(Schema):
    id: int
    name: str
    kind: FacilityKind
    description: str
    center: str = Field(description="The center's slug.")
    center_name: str
    institution: InstitutionRef
    capacity: int = Field(description="How many approved bookings may overlap.")
    slot_minutes: int
    requires_training: bool
    training_note: str
    free_under_agreement: bool
    price_per_hour: str | None
    currency: str
    opening_hours: list[OpeningHoursOut] = Field(description="In the server's time zone.")

    @staticmethod
    def resolve_center(obj: Facility) -> str:
        return obj.center.slug

    @staticmethod
    def resolve_center_name(obj: Facility) -> str:
        return obj.center.name

    @staticmethod
    def resolve_institution(obj: Facility) -> Institution:
        return obj.center.institution

    @staticmethod
    def resolve_price_per_hour(obj: Facility) -> str | None:
        return str(obj.price_per_hour) if obj.price_per_hour is not None else None

    @staticmethod
    def resolve_opening_hours(obj: Facility) -> list[OpeningHours]:
        return list(obj.opening_hours.all())


class PhotoOut(Schema):
    id: int
    caption: str
    position: int = Field(description="Photos are shown in ascending order of position.")
    url: str = Field(description="The picture itself.")

    @staticmethod
    def resolve_url(obj: CenterPhoto) -> str:
        return reverse("centers:photo", kwargs={"slug": obj.center.slug, "pk": obj.pk})


class CenterDetailOut(CenterOut):
    facilities: list[FacilityOut]
    photos: list[PhotoOut]

    @staticmethod
    def resolve_facilities(obj: ResearchCenter) -> list[Facility]:
        return list(obj.facilities.all())

    @staticmethod
    def resolve_photos(obj: ResearchCenter) -> list[CenterPhoto]:
        photos = list(obj.photos.all())
        for photo in photos:
            photo.center = obj
        return photos


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: str = Field(description="free, taken, blackout or mine.")
    taken: int = Field(description="Approved bookings overlapping the slot.")
    capacity: int
    is_past: bool
    reason: str = Field(description="Why the facility is closed, in a blackout.")
    booking_ids: list[int] = Field(
        description="The caller's own bookings here; all of them for the center's managers."
    )


class DayOut(Schema):
    date: dt.date
    slots: list[SlotOut]


class WeekOut(Schema):
    facility: int
    week_start: dt.date
    days: list[DayOut]


class BookingOut(Schema):
    id: int
    facility: int = Field(description="The facility's id.")
    facility_name: str
    center: str = Field(description="The center's slug.")
    requester: str = Field(description="The requester's username.")
    requester_name: str
    institution: InstitutionRef = Field(description="The institution the requester books for.")
    agreement: int | None = Field(description="The agreement granting a partner's access.")
    status: BookingStatus
    starts_at: dt.datetime
    ends_at: dt.datetime
    hours: float
    purpose: str
    project: str
    series: str | None = Field(description="Shared by the bookings of one weekly series.")
    decision_reason: str
    flagged_reason: str = Field(description="Set when the agreement behind it has ended.")
    decided_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_facility(obj: Booking) -> int:
        return obj.facility_id

    @staticmethod
    def resolve_facility_name(obj: Booking) -> str:
        return obj.facility.name

    @staticmethod
    def resolve_center(obj: Booking) -> str:
        return obj.facility.center.slug

    @staticmethod
    def resolve_requester(obj: Booking) -> str:
        return obj.requester.username

    @staticmethod
    def resolve_requester_name(obj: Booking) -> str:
        return obj.requester.get_full_name() or obj.requester.username

    @staticmethod
    def resolve_agreement(obj: Booking) -> int | None:
        return obj.agreement_id

    @staticmethod
    def resolve_series(obj: Booking) -> str | None:
        return str(obj.series) if obj.series else None


class FacilityFilters(Schema):
    search: str = Field("", description="Words in facility or center names and descriptions.")
    institution: str = Field("", description="The host institution's slug.")
    country: str = Field("", description="The host's ISO 3166 alpha-2 code.")
    free_from: dt.datetime | None = Field(
        None, description="With free_to: only facilities with a free slot in the range."
    )
    free_to: dt.datetime | None = None


class BookingFilters(Schema):
    scope: str = Field(
        "own",
        description="own: the caller's bookings; to_decide: requests and flagged bookings "
        "of the centers the caller manages.",
        json_schema_extra={"enum": ["own", "to_decide"]},
    )


class BookingIn(Schema):
    facility: int = Field(description="The facility's id.")
    starts_at: dt.datetime = Field(description="ISO 8601; without an offset, server time.")
    ends_at: dt.datetime
    purpose: str
    project: str = ""
    repeat_weeks: int = Field(
        0, ge=0, le=services.MAX_REPEAT_WEEKS, description="Repeat weekly this many times more."
    )
    waitlist: bool = Field(False, description="Join the waiting list when the slot is full.")


class ReasonIn(Schema):
    reason: str = ""


# Helpers -------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _facility_rows(queryset: QuerySet[Facility]) -> QuerySet[Facility]:
    return queryset.select_related("center__institution").prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens"))
    )


def _visible_facility(user: Any, facility_id: int) -> Facility:
    return get_object_or_404(
        _facility_rows(Facility.objects.filter(is_active=True)),
        pk=facility_id,
        center__in=selectors.centers_visible_to(user),
    )


def _booking_for(user: Any, booking_id: int) -> Booking:
    booking = get_object_or_404(selectors.bookings_visible_to(user), pk=booking_id)
    if not rules.can_view_booking(user, booking):
        raise Http404("No such booking.")
    return booking


def _fresh(user: Any, booking_id: int) -> Booking:
    return get_object_or_404(selectors.bookings_visible_to(user), pk=booking_id)


# Centers and facilities ----------------------------------------------------------------------


@router.get(
    "",
    response=list[CenterOut],
    auth=READ_AUTH,
    summary="List research centers",
    description=(
        "Public centers, the centers of the caller's institutions and those agreements open "
        "to them. Pages of `page_size` (50 by default, at most 200)."
    ),
)
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def center_list(request: HttpRequest) -> QuerySet[ResearchCenter]:
    return (
        selectors.centers_visible_to(request.user)
        .select_related("institution", "unit")
        .order_by("name", "pk")
    )


@router.get(
    "/facilities",
    response={200: list[FacilityOut], 422: Problem},
    summary="Search the facilities the caller may book",
    description=(
        "Facilities of the caller's own centers and of those agreements open to them, by "
        "keyword, host institution and country; with `free_from` and `free_to`, only those "
        "with at least one free slot in the range. Paginated like the centers."
    ),
)
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def facility_list(request: HttpRequest, filters: Query[FacilityFilters]) -> QuerySet[Facility]:
    free_from, free_to = _aware(filters.free_from), _aware(filters.free_to)
    if (free_from is None) != (free_to is None):
        raise ValidationError({"free_to": "Give both free_from and free_to, or neither."})
    if free_from is not None and free_to is not None and free_to <= free_from:
        raise ValidationError({"free_to": "The range must end after it starts."})
    if (
        free_from is not None
        and free_to is not None
        and free_to - free_from > dt.timedelta(days=31)
    ):
        raise ValidationError({"free_to": "Search at most 31 days at a time."})
    institution = None
    if filters.institution:
        institution = Institution.objects.filter(slug=filters.institution).first()
        if institution is None:
            raise ValidationError(
                {"institution": f"No institution has the slug “{filters.institution}”."}
            )
    return _facility_rows(
        selectors.facilities_bookable_by(
            request.user,
            search=filters.search,
            institution=institution,
            country=filters.country,
            free_from=free_from,
            free_to=free_to,
        )
    )


@router.get(
    "/facilities/{facility_id}",
    response={200: FacilityOut, 404: Problem},
    auth=READ_AUTH,
    summary="One facility",
)
def facility_detail(request: HttpRequest, facility_id: int) -> Facility:
    return _visible_facility(request.user, facility_id)


@router.get(
    "/facilities/{facility_id}/availability",
    response={200: WeekOut, 404: Problem},
    auth=READ_AUTH,
    summary="A facility's week of slots",
    description=(
        "Seven days from `week_start` (this week's Monday by default), each cut into the "
        "facility's slots with their state. Taken slots show no personal data, except to the "
        "center's managers."
    ),
)
def facility_availability(
    request: HttpRequest, facility_id: int, week_start: dt.date | None = None
) -> dict[str, Any]:
    facility = _visible_facility(request.user, facility_id)
    today = timezone.localdate()
    start = week_start or today - dt.timedelta(days=today.weekday())
    week = selectors.facility_week(facility, week_start=start, user=request.user)
    return {
        "facility": facility.pk,
        "week_start": start,
        "days": [
            {
                "date": day.date,
                "slots": [
                    {
                        "starts_at": slot.starts_at,
                        "ends_at": slot.ends_at,
                        "state": slot.state,
                        "taken": slot.taken,
                        "capacity": slot.capacity,
                        "is_past": slot.is_past,
                        "reason": slot.reason,
                        "booking_ids": [b.pk for b in slot.bookings],
                    }
                    for slot in day.slots
                ],
            }
            for day in week.days
        ],
    }


# Bookings ------------------------------------------------------------------------------------


@router.get(
    "/bookings",
    response={200: list[BookingOut], 422: Problem},
    summary="The caller's bookings, or those awaiting their decision",
    description="`scope=own` (default) or `scope=to_decide`. Paginated like the centers.",
)
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
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
)
def booking_create(request: HttpRequest, payload: BookingIn) -> Status[Any]:
    facility = get_object_or_404(
        Facility.objects.select_related("center__institution"), pk=payload.facility
    )
    if not selectors.centers_visible_to(request.user).filter(pk=facility.center_id).exists():
        raise Http404("No such facility.")
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
)
def booking_detail(request: HttpRequest, booking_id: int) -> Booking:
    return _booking_for(request.user, booking_id)


@router.post(
    "/bookings/{booking_id}/approve",
    response={200: BookingOut, **ERRORS},
    summary="Approve a requested booking (the center's managers)",
)
def booking_approve(request: HttpRequest, booking_id: int) -> Booking:
    booking = _booking_for(request.user, booking_id)
    services.booking_approve(actor=_actor(request), booking=booking)
    return _fresh(request.user, booking_id)


@router.post(
    "/bookings/{booking_id}/reject",
    response={200: BookingOut, **ERRORS},
    summary="Reject a pending booking, saying why (the center's managers)",
)
def booking_reject(request: HttpRequest, booking_id: int, payload: ReasonIn) -> Booking:
    booking = _booking_for(request.user, booking_id)
    services.booking_reject(actor=_actor(request), booking=booking, reason=payload.reason)
    return _fresh(request.user, booking_id)


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: BookingOut, **ERRORS},
    summary="Cancel a booking (its requester or the center's managers)",
)
def booking_cancel(request: HttpRequest, booking_id: int, payload: ReasonIn) -> Booking:
    booking = _booking_for(request.user, booking_id)
    services.booking_cancel(actor=_actor(request), booking=booking, reason=payload.reason)
    return _fresh(request.user, booking_id)


# Photos --------------------------------------------------------------------------------------


@router.post(
    "/{slug}/photos",
    response={201: PhotoOut, **ERRORS},
    summary="Add a photo to a center (the center's managers)",
    description=(
        "Multipart form with `image`: a JPEG, PNG or WebP picture, judged by its content, up "
        "to the configured size (10 MB by default); and an optional `caption`. The photo is "
        "shown after the center's other photos. Anything else answers 422 naming `image`."
    ),
)
def center_photo_add(
    request: HttpRequest,
    slug: str,
    image: File[UploadedFile],
    caption: Form[str] = "",
) -> Status[Any]:
    center = selectors.center_for(request.user, slug)
    photo = services.center_photo_add(
        actor=_actor(request), center=center, image=image, caption=caption
    )
    return Status(201, photo)


@router.delete(
    "/{slug}/photos/{photo_id}",
    response={204: None, **ERRORS},
    summary="Remove a center's photo (the center's managers)",
)
def center_photo_remove(request: HttpRequest, slug: str, photo_id: int) -> Status[None]:
    center = selectors.center_for(request.user, slug)
    photo = get_object_or_404(CenterPhoto, pk=photo_id, center=center)
    photo.center = center
    services.center_photo_remove(actor=_actor(request), photo=photo)
    return Status(204, None)


# Declared last: its path would take /facilities and /bookings otherwise.
@router.get(
    "/{slug}",
    response={200: CenterDetailOut, 404: Problem},
    auth=READ_AUTH,
    summary="A research center with its facilities",
)
def center_detail(request: HttpRequest, slug: str) -> ResearchCenter:
    center = selectors.center_for(request.user, slug)
    return (
        ResearchCenter.objects.filter(pk=center.pk)
        .select_related("institution", "unit")
        .prefetch_related(
            Prefetch(
                "facilities",
                queryset=_facility_rows(Facility.objects.filter(is_active=True)),
            ),
            "photos",
        )
        .get()
    )
