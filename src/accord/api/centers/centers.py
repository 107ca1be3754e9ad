"""Centers, their facilities and availability, and the centers' photos."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accord.centers import rules, selectors, services
from accord.centers.models import CenterPhoto, Facility, OpeningHours, ResearchCenter
from accord.institutions.models import Institution

from ..agreement_schemas import Problem
from ..base import Pagination
from .common import ERRORS, READ_AUTH, _actor, _aware
from .schemas import CenterDetailOut, CenterOut, FacilityFilters, FacilityOut, PhotoOut, WeekOut

router = Router(tags=["centers"])
# Paths under /{slug}: mounted after the bookings, which /{slug} would take otherwise.
center_router = Router()


# Helpers -------------------------------------------------------------------------------------


def _facility_rows(queryset: QuerySet[Facility]) -> QuerySet[Facility]:
    return queryset.select_related("center__institution").prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens"))
    )


def _visible_facility(user: Any, facility_id: int) -> Facility:
    """As its page shows it: also when it takes no bookings (`is_active` false)."""
    return get_object_or_404(
        _facility_rows(Facility.objects.all()),
        pk=facility_id,
        center__in=selectors.centers_visible_to(user),
    )


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
    operation_id="accord_api_centers_center_list",
)
@paginate(Pagination, page_size=50, max_page_size=200)
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
    operation_id="accord_api_centers_facility_list",
)
@paginate(Pagination, page_size=50, max_page_size=200)
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
    operation_id="accord_api_centers_facility_detail",
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
    operation_id="accord_api_centers_facility_availability",
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


# Photos --------------------------------------------------------------------------------------


@center_router.post(
    "/{slug}/photos",
    response={201: PhotoOut, **ERRORS},
    summary="Add a photo to a center (the center's managers)",
    description=(
        "Multipart form with `image`: a JPEG, PNG or WebP picture, judged by its content, up "
        "to the configured size (10 MB by default); and an optional `caption`. The photo is "
        "shown after the center's other photos. Anything else answers 422 naming `image`."
    ),
    operation_id="accord_api_centers_center_photo_add",
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


@center_router.delete(
    "/{slug}/photos/{photo_id}",
    response={204: None, **ERRORS},
    summary="Remove a center's photo (the center's managers)",
    operation_id="accord_api_centers_center_photo_remove",
)
def center_photo_remove(request: HttpRequest, slug: str, photo_id: int) -> Status[None]:
    center = selectors.center_for(request.user, slug)
    photo = get_object_or_404(CenterPhoto, pk=photo_id, center=center)
    photo.center = center
    services.center_photo_remove(actor=_actor(request), photo=photo)
    return Status(204, None)


# Declared last: its path would take /facilities and /bookings otherwise.
@center_router.get(
    "/{slug}",
    response={200: CenterDetailOut, 404: Problem},
    auth=READ_AUTH,
    summary="A research center with its facilities",
    description=(
        "Its facilities that take bookings; the center's managers also get those that do not "
        "(`is_active` false)."
    ),
    operation_id="accord_api_centers_center_detail",
)
def center_detail(request: HttpRequest, slug: str) -> ResearchCenter:
    center = selectors.center_for(request.user, slug)
    user = request.user
    # As on the center's page: its managers also see the facilities that take no bookings.
    facilities = Facility.objects.all()
    if not (user.is_authenticated and rules.is_center_manager(user, center)):
        facilities = facilities.filter(is_active=True)
    return (
        ResearchCenter.objects.filter(pk=center.pk)
        .select_related("institution", "unit")
        .prefetch_related(
            Prefetch("facilities", queryset=_facility_rows(facilities)),
            "photos",
        )
        .get()
    )
