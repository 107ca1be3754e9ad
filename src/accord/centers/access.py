"""Who manages a center and who may book its facilities, and under which agreement.

A member of the host institution books as such. A member of a partner institution books under
an active agreement between the two whose `center_access` provision names the center (by
`terms["center_ids"]`, or by the center's unit in `terms["unit_ids"]`), within the provision's
hours per year. Rules, selectors and services all decide from here.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.agreements.models import Agreement, AgreementStatus, Provision, ProvisionKind
from accord.core.memberships import institution_ids
from accord.core.models import Role, User
from accord.institutions.models import Institution

from .models import Booking, BookingStatus, Facility, ResearchCenter

AnyUser = User | AnonymousUser
MANAGER_ROLES = (Role.ADMIN, Role.OFFICER)
# Bookings that hold hours of a provision's yearly quota.
QUOTA_STATUSES = (
    BookingStatus.REQUESTED,
    BookingStatus.WAITLISTED,
    BookingStatus.APPROVED,
    BookingStatus.COMPLETED,
)


def manages_center(user: AnyUser, center: ResearchCenter) -> bool:
    """Platform staff, the center's managers, and its institution's admins and officers."""
    if not user.is_authenticated:
        return False
    if user.is_staff or center.institution_id in institution_ids(user, MANAGER_ROLES):
        return True
    return center.managers.filter(pk=user.pk).exists()


def managed_centers(user: AnyUser) -> QuerySet[ResearchCenter]:
    if not user.is_authenticated:
        return ResearchCenter.objects.none()
    if user.is_staff:
        return ResearchCenter.objects.all()
    return ResearchCenter.objects.filter(
        Q(institution_id__in=institution_ids(user, MANAGER_ROLES))
        | Q(
            pk__in=ResearchCenter.managers.through.objects.filter(user_id=user.pk).values(
                "researchcenter_id"
            )
        )
    )


def provision_names_center(terms: dict, center: ResearchCenter) -> bool:
    """Whether a center_access provision's terms name `center`."""
    if center.pk in (terms.get("center_ids") or []):
        return True
    return center.unit_id is not None and center.unit_id in (terms.get("unit_ids") or [])


def _active_provisions(host_ids: Iterable[int], partner_ids: Iterable[int]) -> list[Provision]:
    """center_access provisions of active agreements between a host and a partner."""
    host_ids, partner_ids = set(host_ids), set(partner_ids)
    if not host_ids or not partner_ids:
        return []
    agreements = Agreement.objects.filter(
        status=AgreementStatus.ACTIVE, parties__institution_id__in=host_ids
    ).filter(parties__institution_id__in=partner_ids)
    return list(
        Provision.objects.filter(
            kind=ProvisionKind.CENTER_ACCESS, agreement__in=agreements.values("pk")
        )
        .select_related("agreement")
        .prefetch_related("agreement__parties__institution")
        .order_by("pk")
    )


def open_center_ids(user: AnyUser) -> set[int]:
    """Centers of other institutions that agreements open to `user`."""
    if not user.is_authenticated:
        return set()
    member_of = institution_ids(user)
    if not member_of:
        return set()
    partner_party = Q(agreement__parties__institution_id__in=member_of)
    provisions = list(
        Provision.objects.filter(
            partner_party,
            kind=ProvisionKind.CENTER_ACCESS,
            agreement__status=AgreementStatus.ACTIVE,
        )
        .distinct()
        .values_list("agreement_id", "terms")
    )
    if not provisions:
        return set()
    center_ids: set[int] = set()
    unit_ids: set[int] = set()
    for _agreement_id, terms in provisions:
        center_ids.update(int(pk) for pk in (terms or {}).get("center_ids") or [])
        unit_ids.update(int(pk) for pk in (terms or {}).get("unit_ids") or [])
    party_ids = set(
        Agreement.objects.filter(pk__in={a for a, _t in provisions}).values_list(
            "parties__institution_id", flat=True
        )
    )
    return set(
        ResearchCenter.objects.filter(Q(pk__in=center_ids) | Q(unit_id__in=unit_ids))
        .filter(institution_id__in=party_ids - member_of)
        .values_list("pk", flat=True)
    )


@dataclass
class AccessGrant:
    """One ground on which a user may book a facility."""

    institution: Institution
    agreement: Agreement | None = None
    provision: Provision | None = None
    hours_per_year: int | None = None
    hours_used: float = 0.0

    @property
    def hours_left(self) -> float | None:
        if self.hours_per_year is None:
            return None
        return max(self.hours_per_year - self.hours_used, 0.0)

    @property
    def is_host(self) -> bool:
        return self.agreement is None


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=zone),
        dt.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def provision_hours_used(
    provision: Provision, year: int, *, exclude_ids: Iterable[int] = ()
) -> float:
    """Hours of bookings holding `provision`'s quota that start in `year`."""
    start, end = year_bounds(year)
    rows = (
        Booking.objects.filter(
            provision=provision, status__in=QUOTA_STATUSES, starts_at__gte=start, starts_at__lt=end
        )
        .exclude(pk__in=list(exclude_ids))
        .values_list("starts_at", "ends_at")
    )
    return sum((ends - starts).total_seconds() for starts, ends in rows) / 3600


def access_grants(
    user: AnyUser, facility: Facility, *, year: int | None = None
) -> list[AccessGrant]:
    """The grounds on which `user` may book `facility`: host membership first, then each
    active agreement's provision naming its center, with the hours used and left in `year`
    (the current one by default)."""
    if not user.is_authenticated or not user.is_active:
        return []
    center = facility.center
    member_of = institution_ids(user)
    if not member_of:
        return []
    year = year or timezone.localdate().year
    grants: list[AccessGrant] = []
    if center.institution_id in member_of:
        grants.append(AccessGrant(institution=center.institution))
    for provision in _active_provisions(
        {center.institution_id}, member_of - {center.institution_id}
    ):
        terms = provision.terms or {}
        if not provision_names_center(terms, center):
            continue
        parties = {
            party.institution_id: party.institution for party in provision.agreement.parties.all()
        }
        partner_ids = sorted((set(parties) & member_of) - {center.institution_id})
        if not partner_ids:
            continue
        hours = terms.get("hours_per_year")
        grants.append(
            AccessGrant(
                institution=parties[partner_ids[0]],
                agreement=provision.agreement,
                provision=provision,
                hours_per_year=int(hours) if hours else None,
                hours_used=provision_hours_used(provision, year) if hours else 0.0,
            )
        )
    return grants


def can_book(user: AnyUser, facility: Facility) -> bool:
    """Whether `user` may ask for time on `facility` at all (the quota aside)."""
    return facility.is_active and bool(access_grants(user, facility))
