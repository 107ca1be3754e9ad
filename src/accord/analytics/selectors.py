"""Read-only aggregates for the dashboard and the public pages.

Every function here runs a fixed number of queries, however many agreements there are:
counts come from `values().annotate(Count(...))`, related rows from prefetches.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Provision,
    ProvisionKind,
)
from accord.agreements.selectors import agreements_visible_to
from accord.core.memberships import institution_ids, staff_institution_ids
from accord.core.models import AuditEvent, User
from accord.institutions.models import Institution

ENDING_SOON_DAYS = 90
ENDING_SOON_LIMIT = 10
RECENT_ACTIVITY_LIMIT = 15
PUBLIC_RECENT_LIMIT = 6
DIRECTORY_PAGE_SIZE = 50

# Agreements whose partners count on the partner map: everything that has not ended.
LIVE_STATUSES = (
    AgreementStatus.DRAFT,
    AgreementStatus.NEGOTIATION,
    AgreementStatus.SIGNING,
    AgreementStatus.ACTIVE,
)


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class EndingAgreement:
    agreement: Agreement
    days_left: int
    partners: list[Institution]


@dataclass
class DashboardSummary:
    """What the acting user's home page shows; `has_scope` is False for people who work on
    no institution's agreements (students, researchers), who get public information instead."""

    has_scope: bool
    platform_wide: bool = False
    institutions: list[Institution] = field(default_factory=list)
    status_counts: list[StatusCount] = field(default_factory=list)
    total: int = 0
    active_by_kind: list[KindCount] = field(default_factory=list)
    ending_soon: list[EndingAgreement] = field(default_factory=list)
    ending_soon_total: int = 0
    partner_countries: dict[str, int] = field(default_factory=dict)
    home_countries: list[str] = field(default_factory=list)
    # The one institution whose agreements the user works on, when there is exactly one.
    scope_institution: Institution | None = None
    recent_activity: list[AuditEvent] = field(default_factory=list)


def _public_condition() -> Q:
    return Q(status=AgreementStatus.ACTIVE, is_public=True)


def _party_of(institution_ids: set[int] | list[int]) -> Exists:
    return Exists(
        AgreementParty.objects.filter(
            agreement_id=OuterRef("pk"), institution_id__in=institution_ids
        )
    )


def dashboard_scope_for(user: User) -> QuerySet[Agreement] | None:
    """The agreements `user`'s dashboard counts: all for platform staff, those their own
    institutions are party to for admins, officers and coordinators, None for anyone else."""
    if user.is_authenticated and user.is_staff:
        return agreements_visible_to(user)
    own = staff_institution_ids(user)
    if not own:
        return None
    return agreements_visible_to(user).filter(_party_of(own))


def institutions_of(user: User) -> list[Institution]:
    """The institutions where `user` holds any role, by name."""
    ids = institution_ids(user)
    if not ids:
        return []
    return list(
        Institution.objects.filter(pk__in=ids).only("pk", "slug", "name", "names", "country")
    )


def dashboard_summary_for(user: User, *, today: dt.date | None = None) -> DashboardSummary:
    scope = dashboard_scope_for(user)
    if scope is None:
        return DashboardSummary(has_scope=False)
    today = today or timezone.localdate()
    platform_wide = user.is_staff
    own = set() if platform_wide else staff_institution_ids(user)
    # Plain querysets for aggregates: no prefetch, no default ordering in GROUP BY.
    plain = scope.prefetch_related(None).order_by()

    by_status = dict(plain.values_list("status").annotate(n=Count("pk")))
    status_counts = [
        StatusCount(status=value, label=str(label), count=by_status.get(value, 0))
        for value, label in AgreementStatus.choices
    ]
    by_kind = dict(
        plain.filter(status=AgreementStatus.ACTIVE).values_list("kind").annotate(n=Count("pk"))
    )
    active_by_kind = [
        KindCount(kind=value, label=str(label), count=by_kind[value])
        for value, label in AgreementKind.choices
        if by_kind.get(value)
    ]

    horizon = today + dt.timedelta(days=ENDING_SOON_DAYS)
    ending_qs = scope.filter(
        status=AgreementStatus.ACTIVE, valid_to__gte=today, valid_to__lte=horizon
    ).order_by("valid_to", "title")
    ending_soon_total = ending_qs.count()
    ending_soon = [
        EndingAgreement(
            agreement=agreement,
            days_left=(cast(dt.date, agreement.valid_to) - today).days,
            partners=[
                party.institution
                for party in agreement.parties.all()
                if party.institution_id not in own
            ],
        )
        for agreement in ending_qs[:ENDING_SOON_LIMIT]
    ]

    partner_rows = (
        Institution.objects.filter(
            agreement_parties__agreement__in=plain.filter(status__in=LIVE_STATUSES).values("pk")
        )
        .exclude(pk__in=own)
        .order_by()
        .values_list("country")
        .annotate(n=Count("pk", distinct=True))
    )
    partner_countries = {str(country): n for country, n in partner_rows}

    institutions = institutions_of(user)
    own_institutions = [i for i in institutions if i.pk in own]
    home_countries = sorted({str(i.country) for i in own_institutions})

    return DashboardSummary(
        has_scope=True,
        platform_wide=platform_wide,
        institutions=institutions,
        status_counts=status_counts,
        total=sum(by_status.values()),
        active_by_kind=active_by_kind,
        ending_soon=ending_soon,
        ending_soon_total=ending_soon_total,
        partner_countries=partner_countries,
        home_countries=home_countries,
        scope_institution=own_institutions[0] if len(own_institutions) == 1 else None,
        recent_activity=recent_agreement_activity(user, scope=plain),
    )


def recent_agreement_activity(
    user: User, *, scope: QuerySet[Agreement] | None = None, limit: int = RECENT_ACTIVITY_LIMIT
) -> list[AuditEvent]:
    """The latest audit events on agreements in `scope` (by default the user's dashboard
    scope), newest first, with their actors; one query."""
    if scope is None:
        scope = dashboard_scope_for(user)
        if scope is None:
            return []
        scope = scope.prefetch_related(None).order_by()
    events = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Agreement)
    ).select_related("actor")
    if not (user.is_authenticated and user.is_staff):
        visible_ids = scope.annotate(pk_text=Cast("pk", CharField())).values("pk_text")
        events = events.filter(target_id__in=visible_ids)
    return list(events.order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True)
class PublicAgreement:
    agreement: Agreement
    partners: list[Institution]
    provision_kinds: list[str]


@dataclass
class PublicProfile:
    institution: Institution
    children: list[Institution]
    agreements: list[PublicAgreement]
    partner_countries: dict[str, int]


def public_agreements_of(institution_ids: set[int] | list[int]) -> QuerySet[Agreement]:
    """Active public agreements any of `institution_ids` is party to, with parties and
    provisions prefetched. Nothing else about an agreement is public."""
    return (
        Agreement.objects.filter(_public_condition())
        .filter(_party_of(institution_ids))
        .only("pk", "kind", "title", "titles", "status", "is_public", "valid_from", "valid_to")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.select_related("institution").order_by("id"),
            ),
            Prefetch("provisions", queryset=Provision.objects.only("pk", "agreement_id", "kind")),
        )
    )


def institution_public_profile(slug: str) -> PublicProfile:
    """What anybody may know about an institution: its facts and its active public
    agreements. Raises Http404 for an unknown slug."""
    try:
        institution = Institution.objects.select_related("parent").get(slug=slug)
    except Institution.DoesNotExist:
        raise Http404("No such institution.") from None
    children = list(institution.children.only("pk", "slug", "name", "names", "country"))
    provision_labels = dict(ProvisionKind.choices)
    agreements = []
    partner_sets: dict[str, set[int]] = {}
    for agreement in public_agreements_of([institution.pk]).order_by("-valid_from", "title"):
        partners = [
            party.institution
            for party in agreement.parties.all()
            if party.institution_id != institution.pk
        ]
        for partner in partners:
            partner_sets.setdefault(str(partner.country), set()).add(partner.pk)
        kinds = dict.fromkeys(provision.kind for provision in agreement.provisions.all())
        agreements.append(
            PublicAgreement(
                agreement=agreement,
                partners=partners,
                provision_kinds=[str(provision_labels.get(kind, kind)) for kind in kinds],
            )
        )
    return PublicProfile(
        institution=institution,
        children=children,
        agreements=agreements,
        partner_countries={country: len(ids) for country, ids in partner_sets.items()},
    )


@dataclass
class PublicOverview:
    agreement_count: int
    institution_count: int
    institution_countries: dict[str, int]
    recent: list[PublicAgreement]


def public_overview() -> PublicOverview:
    """Platform-wide public figures: active public agreements and the institutions in them."""
    public = Agreement.objects.filter(_public_condition())
    in_public = Exists(
        AgreementParty.objects.filter(
            institution_id=OuterRef("pk"),
            agreement__status=AgreementStatus.ACTIVE,
            agreement__is_public=True,
        )
    )
    countries = dict(
        Institution.objects.filter(in_public)
        .order_by()
        .values_list("country")
        .annotate(n=Count("pk"))
    )
    recent_qs = (
        public.order_by("-valid_from", "-id")
        .only("pk", "kind", "title", "titles", "status", "is_public", "valid_from", "valid_to")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.select_related("institution").order_by("id"),
            )
        )
    )
    recent = [
        PublicAgreement(
            agreement=agreement,
            partners=[party.institution for party in agreement.parties.all()],
            provision_kinds=[],
        )
        for agreement in recent_qs[:PUBLIC_RECENT_LIMIT]
    ]
    return PublicOverview(
        agreement_count=public.count(),
        institution_count=sum(countries.values()),
        institution_countries={str(code): n for code, n in countries.items()},
        recent=recent,
    )


def public_institution_directory(*, query: str = "", page: int | str = 1) -> Page:
    """Institutions with their number of active public agreements, most first. Without a
    search only those with at least one are listed; a search looks through every name."""
    public_count = Count(
        "agreement_parties",
        filter=Q(
            agreement_parties__agreement__status=AgreementStatus.ACTIVE,
            agreement_parties__agreement__is_public=True,
        ),
    )
    institutions = Institution.objects.annotate(public_agreements=public_count).only(
        "pk", "slug", "name", "names", "country", "city"
    )
    query = query.strip().lower()
    if query:
        institutions = institutions.filter(search_text__contains=query)
    else:
        institutions = institutions.filter(public_agreements__gt=0)
    institutions = institutions.order_by("-public_agreements", "name", "pk")
    return Paginator(institutions, DIRECTORY_PAGE_SIZE).get_page(page)
