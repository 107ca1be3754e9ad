"""Hours used in centers: by institution and agreement in a center, and by agreement."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from accord.agreements.models import Agreement
from accord.institutions.models import Institution

from ..access import year_bounds
from ..models import Booking, Facility, ResearchCenter
from ._base import USED

# Usage ---------------------------------------------------------------------------------------


@dataclass
class UsageRow:
    """Hours used in a center by one institution, under one agreement (None: the host's own
    people, or paid use)."""

    institution: Institution
    agreement: Agreement | None
    bookings: int = 0
    hours: float = 0.0
    hours_per_year: int | None = None

    @property
    def country(self) -> str:
        return str(self.institution.country)


class CenterUsage(list[UsageRow]):
    """The rows, by institution then agreement, with totals."""

    year: int

    @property
    def total_hours(self) -> float:
        return sum(row.hours for row in self)

    @property
    def total_bookings(self) -> int:
        return sum(row.bookings for row in self)

    @property
    def by_institution(self) -> list[tuple[Institution, float]]:
        hours: dict[int, float] = defaultdict(float)
        names: dict[int, Institution] = {}
        for row in self:
            hours[row.institution.pk] += row.hours
            names[row.institution.pk] = row.institution
        return sorted(((names[pk], h) for pk, h in hours.items()), key=lambda item: -item[1])


def center_usage(center: ResearchCenter, year: int | None = None) -> CenterUsage:
    """Hours of approved and completed bookings in `center` starting in `year` (this year by
    default), by booking institution and agreement, most hours first."""
    year = year or timezone.localdate().year
    start, end = year_bounds(year)
    grouped: dict[tuple[int, int | None], UsageRow] = {}
    rows = (
        Booking.objects.filter(
            facility__center=center, status__in=USED, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("institution", "agreement", "provision")
        .only(
            "starts_at",
            "ends_at",
            "institution",
            "agreement",
            "provision__terms",
            "provision__id",
        )
    )
    for booking in rows:
        key = (booking.institution_id, booking.agreement_id)
        row = grouped.get(key)
        if row is None:
            quota = (
                (booking.provision.terms or {}).get("hours_per_year") if booking.provision else None
            )
            row = grouped[key] = UsageRow(
                institution=booking.institution,
                agreement=booking.agreement,
                hours_per_year=int(quota) if quota else None,
            )
        row.bookings += 1
        row.hours += booking.hours
    usage = CenterUsage(sorted(grouped.values(), key=lambda r: (-r.hours, r.institution.name)))
    usage.year = year
    return usage


@dataclass
class AgreementUsageRow:
    center: ResearchCenter
    facility: Facility
    bookings: int = 0
    # Hours of every approved or completed booking; of those, the ones already past.
    hours: float = 0.0
    hours_done: float = 0.0
    upcoming: int = 0


def agreement_center_usage(agreement: Agreement) -> list[AgreementUsageRow]:
    """What the agreement produced in research centers: per facility, the hours of its
    approved and completed bookings, of them the hours already past, and how many are still
    to come."""
    now = timezone.now()
    grouped: dict[int, AgreementUsageRow] = {}
    for booking in (
        Booking.objects.filter(agreement=agreement, status__in=USED)
        .select_related("facility__center")
        .order_by("starts_at")
    ):
        row = grouped.get(booking.facility_id)
        if row is None:
            row = grouped[booking.facility_id] = AgreementUsageRow(
                center=booking.facility.center, facility=booking.facility
            )
        row.bookings += 1
        row.hours += booking.hours
        if booking.starts_at >= now:
            row.upcoming += 1
        else:
            row.hours_done += booking.hours
    return sorted(grouped.values(), key=lambda r: (r.center.name, r.facility.name))


def agreement_center_hours(agreements: Iterable[Agreement]) -> dict[int, float]:
    """Hours used in centers under each agreement, for lists of agreements."""
    hours: dict[int, float] = defaultdict(float)
    ids = [agreement.pk for agreement in agreements]
    for agreement_id, start, end in Booking.objects.filter(
        agreement_id__in=ids, status__in=USED, starts_at__lt=timezone.now()
    ).values_list("agreement_id", "starts_at", "ends_at"):
        hours[agreement_id] += (end - start).total_seconds() / 3600
    return dict(hours)
