"""Request and response schemas of the centers API."""

import datetime as dt

from django.urls import reverse
from ninja import Field, Schema

from accord.centers import services
from accord.centers.models import (
    Booking,
    BookingStatus,
    CenterPhoto,
    Facility,
    FacilityKind,
    OpeningHours,
    ResearchCenter,
)
from accord.institutions.models import Institution

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
    names: dict[str, str] = Field(description="Names in other languages, by language code.")
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
    is_active: bool = Field(description="False while the facility takes no bookings.")

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
