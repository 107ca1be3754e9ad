"""Every read of mobilities goes through here, with the acting user. A mobility, and so the
personal data it holds, reaches only its home and host institutions' staff, the person
themselves and platform staff; other readers get counts (agreement_mobility_counts)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accord.agreements.models import Agreement
from accord.core.audit import audit_events_for
from accord.core.memberships import staff_institution_ids
from accord.core.models import AuditEvent, User
from accord.institutions.models import Institution

from .models import Mobility, MobilityStatus, ObligationStatus, ReturnObligation

AnyUser = User | AnonymousUser

# Counts below this are shown as "fewer than" to readers who may not see the mobilities.
SMALL_COUNT = 5


def visibility_condition(user: AnyUser) -> Q | None:
    """The Q that limits mobilities to those `user` may see; None means no limit."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_staff:
        return None
    own = sorted(staff_institution_ids(user))
    condition = Q(user_id=user.pk)
    if own:
        condition |= Q(home_institution_id__in=own) | Q(host_institution_id__in=own)
    return condition


def mobilities_visible_to(user: AnyUser, **filters: Any) -> QuerySet[Mobility]:
    """Mobilities `user` may see, newest first, narrowed by `filters` (see mobility_filter),
    with both institutions loaded for lists.

    The institutions come in two further queries rather than joined: sorting a page out of
    a million mobilities joined to two wide institution rows took SQLite seconds, sorting
    the mobilities alone a fraction of one."""
    institutions = Institution.objects.only("id", "slug", "name", "names", "country")
    queryset = Mobility.objects.prefetch_related(
        Prefetch("home_institution", queryset=institutions),
        Prefetch("host_institution", queryset=institutions),
    )
    condition = visibility_condition(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    return mobility_filter(queryset, **filters).order_by("-start_date", "-pk")


def mobility_filter(
    queryset: QuerySet[Mobility],
    *,
    search: str = "",
    status: str = "",
    kind: str = "",
    person_kind: str = "",
    academic_year: str = "",
    home_institution: Institution | None = None,
    host_institution: Institution | None = None,
    country: str = "",
    funding: str = "",
    agreement: int | None = None,
) -> QuerySet[Mobility]:
    """`queryset` narrowed by each filter given. `search` finds every word in the given
    names, family name, e-mail or European Student Identifier; `country` is the home or
    the host country."""
    for word in search.split():
        queryset = queryset.filter(
            Q(given_names__icontains=word)
            | Q(family_name__icontains=word)
            | Q(email__icontains=word)
            | Q(esi__icontains=word)
        )
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if person_kind:
        queryset = queryset.filter(person_kind=person_kind)
    if academic_year:
        queryset = queryset.filter(academic_year=academic_year)
    if home_institution is not None:
        queryset = queryset.filter(home_institution=home_institution)
    if host_institution is not None:
        queryset = queryset.filter(host_institution=host_institution)
    if country:
        queryset = queryset.filter(Q(home_country=country) | Q(host_country=country))
    if funding:
        queryset = queryset.filter(funding=funding)
    if agreement is not None:
        queryset = queryset.filter(agreement_id=agreement)
    return queryset


def mobilities_page(queryset: QuerySet[Mobility], number: Any, page_size: int) -> Page:
    """Page `number` of `queryset` (a number that is not a page gives the first or the last):
    two queries, the count and the rows, whatever the page size."""
    return Paginator(queryset, page_size).get_page(number)


def my_mobilities(user: AnyUser) -> QuerySet[Mobility]:
    """The mobilities recorded for `user` themselves."""
    if not user.is_authenticated:
        return Mobility.objects.none()
    return (
        Mobility.objects.filter(user_id=user.pk)
        .select_related("home_institution", "host_institution")
        .prefetch_related(
            Prefetch("obligations", queryset=ReturnObligation.objects.order_by("due_on", "pk"))
        )
        .order_by("-start_date", "-pk")
    )


def mobility_for(user: AnyUser, pk: Any) -> Mobility:
    """The mobility with what its page shows loaded, or 404 whether it does not exist or is
    not `user`'s to see, so its existence is never revealed."""
    queryset = Mobility.objects.select_related(
        "home_institution",
        "host_institution",
        "home_unit",
        "host_unit",
        "agreement",
        "provision",
        "user",
        "created_by",
    ).prefetch_related(
        Prefetch("obligations", queryset=ReturnObligation.objects.order_by("due_on", "pk"))
    )
    condition = visibility_condition(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    try:
        return queryset.get(pk=pk)
    except (Mobility.DoesNotExist, ValueError, TypeError):
        raise Http404("No such mobility.") from None


def obligation_for(user: AnyUser, mobility_pk: Any, pk: Any) -> ReturnObligation:
    """One obligation of a mobility `user` may see; 404 otherwise."""
    mobility = mobility_for(user, mobility_pk)
    for obligation in mobility.obligations.all():
        if str(obligation.pk) == str(pk):
            obligation.mobility = mobility
            return obligation
    raise Http404("No such obligation.")


def mobility_timeline(mobility: Mobility) -> list[AuditEvent]:
    """What happened to the mobility, newest first, with each actor loaded."""
    return list(audit_events_for(mobility).order_by("-created_at", "-id"))


def obligations_due(
    user: AnyUser, *, within_days: int = 90, today: dt.date | None = None
) -> QuerySet[ReturnObligation]:
    """Pending obligations of mobilities `user` may see, due from `today` to `within_days`
    after it (or overdue), soonest first."""
    today = today or timezone.localdate()
    queryset = ReturnObligation.objects.filter(
        status=ObligationStatus.PENDING, due_on__lte=today + dt.timedelta(days=within_days)
    ).exclude(mobility__status=MobilityStatus.CANCELLED)
    condition = visibility_condition(user)
    if condition is not None:
        queryset = queryset.filter(mobility__in=Mobility.objects.filter(condition).values("pk"))
    return queryset.select_related(
        "mobility__home_institution", "mobility__host_institution"
    ).order_by("due_on", "pk")


@dataclass
class MobilityCounts:
    """Mobilities under an agreement by academic year (rows) and status (columns)."""

    statuses: list[tuple[str, str]]
    rows: list[tuple[str, list[int | None], int | None]]  # year, count per status, total
    total: int
    hidden_below: int

    def __bool__(self) -> bool:
        return self.total > 0


def agreement_mobility_counts(agreement: Agreement, *, hide_below: int = 0) -> MobilityCounts:
    """How many mobilities fall under `agreement`, by academic year and status: counts only,
    no person. A count below `hide_below` (but above zero) reads None, shown as "fewer than"."""
    counted = (
        Mobility.objects.filter(agreement=agreement)
        .order_by()
        .values_list("academic_year", "status")
        .annotate(n=Count("pk"))
    )
    by_year: dict[str, dict[str, int]] = {}
    for year, status, n in counted:
        by_year.setdefault(year, {})[status] = n

    def shown(n: int) -> int | None:
        return None if 0 < n < hide_below else n

    rows = []
    total = 0
    for year in sorted(by_year, reverse=True):
        counts = by_year[year]
        year_total = sum(counts.values())
        total += year_total
        rows.append(
            (
                year,
                [shown(counts.get(status, 0)) for status in MobilityStatus.values],
                shown(year_total),
            )
        )
    return MobilityCounts(
        statuses=[(value, str(label)) for value, label in MobilityStatus.choices],
        rows=rows,
        total=total,
        hidden_below=hide_below,
    )
