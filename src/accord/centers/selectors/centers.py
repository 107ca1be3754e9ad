"""Centers the user may see and the facilities they may book, with the facility search."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accord.core.memberships import institution_ids
from accord.institutions.models import Institution

from ..access import AnyUser, managed_centers, open_center_ids
from ..models import Facility, ResearchCenter
from .availability import facilities_with_free_slot

# Centers -------------------------------------------------------------------------------------


def centers_visible_to(user: AnyUser) -> QuerySet[ResearchCenter]:
    """Public centers, the centers of the user's institutions and those agreements open to
    them, and the ones they manage."""
    if user.is_authenticated and user.is_staff:
        return ResearchCenter.objects.all()
    visible = Q(is_public=True)
    if user.is_authenticated:
        visible |= (
            Q(institution_id__in=institution_ids(user))
            | Q(pk__in=open_center_ids(user))
            | Q(pk__in=managed_centers(user).values("pk"))
        )
    return ResearchCenter.objects.filter(visible)


def center_for(user: AnyUser, slug: str) -> ResearchCenter:
    """The center `slug` with its institution, or 404 when the user may not see it."""
    return get_object_or_404(
        centers_visible_to(user).select_related("institution", "unit"), slug=slug
    )


# Facilities ----------------------------------------------------------------------------------


def facility_for(user: AnyUser, pk: int) -> Facility:
    """The facility when its center is open to `user`; 404 otherwise, saying nothing more."""
    return get_object_or_404(
        Facility.objects.select_related("center__institution", "center__unit").filter(
            center__in=centers_visible_to(user).values("pk")
        ),
        pk=pk,
    )


def bookable_center_ids(user: AnyUser) -> set[int]:
    """Centers whose facilities `user` may ask for: their institutions' and those opened to
    them by an active agreement."""
    if not user.is_authenticated:
        return set()
    own = set(
        ResearchCenter.objects.filter(institution_id__in=institution_ids(user)).values_list(
            "pk", flat=True
        )
    )
    return own | open_center_ids(user)


def facilities_bookable_by(
    user: AnyUser,
    *,
    search: str = "",
    institution: Institution | int | None = None,
    country: str = "",
    free_from: dt.datetime | None = None,
    free_to: dt.datetime | None = None,
) -> QuerySet[Facility]:
    """Active facilities `user` may book, with their center and institution, filtered by a
    keyword (facility and center names and descriptions), the host institution, its country,
    and, given a range, having at least one free slot in [free_from, free_to).

    The free-time filter narrows in SQL first (facilities open on a weekday of the range),
    then reads only the approved bookings and blackouts touching the range, and walks each
    candidate's slots until it finds a free one."""
    facilities = Facility.objects.filter(
        is_active=True, center_id__in=bookable_center_ids(user)
    ).select_related("center__institution")
    words = search.split()
    for word in words:
        facilities = facilities.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(center__name__icontains=word)
            | Q(center__description__icontains=word)
            | Q(center__institution__name__icontains=word)
        )
    if institution:
        institution_id = institution.pk if isinstance(institution, Institution) else institution
        facilities = facilities.filter(center__institution_id=institution_id)
    if country:
        facilities = facilities.filter(center__institution__country=country.upper())
    if free_from is not None and free_to is not None:
        free_ids = facilities_with_free_slot(facilities, free_from, free_to)
        facilities = facilities.filter(pk__in=free_ids)
    return facilities.order_by("name", "pk")
