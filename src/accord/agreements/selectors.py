"""Every read of agreements goes through here, with the acting user."""

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accord.core.audit import audit_events_for
from accord.core.memberships import staff_institution_ids
from accord.core.models import AuditEvent, User
from accord.institutions.models import Institution

from .models import (
    Agreement,
    AgreementDocument,
    AgreementParty,
    AgreementStatus,
    FormerParty,
    Provision,
)
from .rules import reads_history

AnyUser = User | AnonymousUser


def visibility_condition(user: AnyUser, *, own_only: bool = False) -> Q | None:
    """The Q that limits agreements to those `user` may see; None means no limit.

    With `own_only`, someone who works on their institutions' agreements gets just those,
    without other institutions' public agreements (which they may still open)."""
    if user.is_authenticated and user.is_staff:
        return None
    public = Q(is_public=True, status=AgreementStatus.ACTIVE)
    if not user.is_authenticated:
        return public
    own = staff_institution_ids(user)
    if not own:
        return public
    # A correlated EXISTS rather than `pk IN (...)`: lists walk the agreements newest first
    # and stop after a page (or after the capped count), checking each through the unique
    # (agreement, institution) index. With `pk IN` SQLite's planner (without ANALYZE) would
    # instead read every public active agreement through the status index and sort them all.
    party_of_own = AgreementParty.objects.filter(
        agreement_id=OuterRef("pk"), institution_id__in=own
    )
    # An institution that left an agreement keeps seeing it (agreements.rules). The few
    # agreements the user's institutions left are read first, in a query of their own: for
    # the many who left none, the lists keep the plans they had (any condition on former
    # parties within these SQL statements cost either engine more for every list).
    left = _left_agreement_ids(user, own)
    if own_only:
        # Alone, the institutions' own agreements are best found through the party index
        # (and the former parties' one). UNION ALL: IN needs no duplicates removed, which
        # took SQLite a temporary B-tree of every own agreement.
        ours = party_agreement_ids(institution_id__in=own)
        if left:
            ours = ours.union(left_subquery(own), all=True)
        return Q(pk__in=ours)
    condition = public | Q(Exists(party_of_own))
    if not left:
        return condition
    # By id while they are few; beyond, as a subquery (the databases cap a statement's
    # parameters).
    return condition | Q(pk__in=left if len(left) <= MAX_LEFT_IDS else left_subquery(own))


# The most ids of agreements left that a list's SQL names one by one.
MAX_LEFT_IDS = 500


def left_subquery(own: set[int]) -> QuerySet[FormerParty, Any]:
    """Ids of the agreements the institutions `own` left, as a subquery."""
    return FormerParty.objects.filter(institution_id__in=own).order_by().values("agreement_id")


def _left_agreement_ids(user: User, own: set[int]) -> list[int]:
    """Ids of the agreements the institutions `own` (the user's) left, read once per
    request as their roles are (`forget_left_agreements` after a party leaves or returns)."""
    cached: list[int] | None = getattr(user, "_accord_left_agreements", None)
    if cached is None:
        cached = list(left_subquery(own).values_list("agreement_id", flat=True))
        user._accord_left_agreements = cached  # type: ignore[attr-defined]
    return cached


def forget_left_agreements(user: User) -> None:
    """Drop the per-request cache of `_left_agreement_ids` after parties change."""
    if hasattr(user, "_accord_left_agreements"):
        del user._accord_left_agreements


def party_agreement_ids(**party_filters: Any) -> QuerySet[AgreementParty, Any]:
    """Ids of the agreements that have a party matching `party_filters`, as a subquery."""
    return AgreementParty.objects.filter(**party_filters).order_by().values("agreement_id")


def _visible(user: AnyUser, *, own_only: bool = False) -> QuerySet[Agreement]:
    queryset = Agreement.objects.all()
    condition = visibility_condition(user, own_only=own_only)
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset


def agreements_visible_to(user: AnyUser, *, own_only: bool = False) -> QuerySet[Agreement]:
    """Agreements `user` may see, with parties and their institutions loaded for lists;
    `own_only`: see `visibility_condition`."""
    return _visible(user, own_only=own_only).prefetch_related(
        Prefetch(
            "parties",
            queryset=AgreementParty.objects.select_related("institution").order_by("id"),
        )
    )


def agreement_get_visible(user: AnyUser, pk: int) -> Agreement:
    """The agreement, or 404 whether it does not exist or is not `user`'s to see, so a
    private agreement's existence is never revealed."""
    try:
        return agreements_visible_to(user).get(pk=pk)
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise Http404("No such agreement.") from None


def agreements_for_list(user: AnyUser, *, own_only: bool = False) -> QuerySet[Agreement]:
    """Visible agreements with what a list row shows (parties, kinds of provision) loaded
    in a constant number of queries."""
    return agreements_visible_to(user, own_only=own_only).prefetch_related(
        Prefetch("provisions", queryset=Provision.objects.only("id", "kind", "agreement_id"))
    )


# Lists count the matching agreements up to this many (or to the end of the page asked for,
# when that is further); beyond, they say "more than" rather than count every one.
COUNT_CAP = 1000
# The highest page number a list takes: far beyond any list's end, and low enough that its
# offset stays a number the databases' integers hold.
MAX_PAGE = 1_000_000


@dataclass(slots=True)
class PartyRow:
    id: int
    institution_id: int
    slug: str
    name: str
    country: str
    has_signed: bool
    names: dict[str, str] = field(default_factory=dict)
    # When the institution left the agreement; None for a party still in it.
    left_at: dt.datetime | None = None


@dataclass(slots=True)
class AgreementRow:
    """What a list shows of an agreement, read as plain values: all of ROW_FIELDS for the
    API, PAGE_FIELDS (the rest left at their defaults) for the page."""

    id: int
    kind: str
    title: str
    status: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    titles: dict[str, str] = field(default_factory=dict)
    auto_renew: bool = False
    is_public: bool = False
    languages: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    parties: list[PartyRow] = field(default_factory=list)
    # Institutions that left, for a reader of the agreement's history (rules.reads_history).
    former_parties: list[PartyRow] = field(default_factory=list)
    provision_kinds: list[str] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.id


PAGE_FIELDS = ("id", "kind", "title", "titles", "status", "valid_from", "valid_to")
ROW_FIELDS = (
    *PAGE_FIELDS,
    "auto_renew",
    "is_public",
    "languages",
    "tags",
    "created_at",
    "updated_at",
)


def agreement_rows(
    queryset: QuerySet[Agreement],
    start: int,
    stop: int,
    fields: tuple[str, ...] = ROW_FIELDS,
    *,
    reader: AnyUser | None = None,
) -> list[AgreementRow]:
    """Rows `start` to `stop` of `queryset` (`fields` of each), with their parties (and the
    parties' institutions) and the kinds of provision each holds once, in three queries.
    The institutions that left each agreement come with its parties, kept on the rows whose
    history `reader` may read."""
    rows = {
        values["id"]: AgreementRow(**values)
        for values in queryset.prefetch_related(None).values(*fields)[start:stop]
    }
    if not rows:
        return []
    parties_sql, provisions_sql = _row_details_sql()
    marks = ", ".join(["%s"] * len(rows))
    db = connections[queryset.db]
    with db.cursor() as cursor:
        cursor.execute(parties_sql.format(marks, marks), [*rows, *rows])
        for (
            agreement_id,
            pk,
            institution_id,
            slug,
            name,
            country,
            signatory,
            signed_on,
            names,
            left_at,
        ) in cursor.fetchall():
            party = PartyRow(
                pk,
                institution_id,
                slug,
                name,
                country,
                bool(signatory and signed_on),
                # A JSON column, read as text by a raw cursor.
                json.loads(names) if names else {},
            )
            if left_at is None:
                rows[agreement_id].parties.append(party)
            else:
                party.left_at = _read_datetime(left_at)
                rows[agreement_id].former_parties.append(party)
        cursor.execute(provisions_sql.format(marks), list(rows))
        for agreement_id, kind in cursor.fetchall():
            kinds = rows[agreement_id].provision_kinds
            if kind not in kinds:
                kinds.append(kind)
    for row in rows.values():
        if row.former_parties and not (
            reader is not None
            and reads_history(
                reader, (p.institution_id for p in (*row.parties, *row.former_parties))
            )
        ):
            row.former_parties = []
    return list(rows.values())


def _read_datetime(value: Any) -> dt.datetime:
    """A datetime as a raw cursor gives it, aware: SQLite gives the UTC text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return cast(dt.datetime, value)


@cache
def _row_details_sql() -> tuple[str, str]:
    """The SELECTs of the rows' parties (with their institutions, and then those that left,
    with when) and provision kinds, with `{}` for the agreement ids' placeholders. Written
    once rather than built by the ORM on every list request: the same SQL as the querysets
    `AgreementParty.objects.filter(agreement_id__in=ids).values_list("agreement_id", "id",
    "institution_id", "institution__slug", "institution__name", "institution__country",
    "signatory_name", "signed_on", "institution__names")`, and the like of `FormerParty`
    with its `left_at` (where the parties give NULL) after them, by id; and
    `Provision.objects.filter(agreement_id__in=ids).order_by("id").values_list(
    "agreement_id", "kind")`, whose compiling took longer than running them. No value needs
    converting but the institutions' `names` and `left_at` on SQLite (`signed_on` is only
    tested for being set)."""
    quote = connection.ops.quote_name
    party, former, institution, provision = (
        quote(model._meta.db_table)
        for model in (AgreementParty, FormerParty, Institution, Provision)
    )
    # Only quoted table and column names go into the SQL; the ids are parameters.
    parties = (
        f"SELECT {party}.agreement_id, {party}.id, {party}.institution_id,"  # noqa: S608
        f" {institution}.slug,"
        f" {institution}.name, {institution}.country, {party}.signatory_name,"
        f" {party}.signed_on, {institution}.names, NULL AS left_at"
        f" FROM {party} INNER JOIN {institution}"
        f" ON ({party}.institution_id = {institution}.id)"
        f" WHERE {party}.agreement_id IN ({{}})"
        f" UNION ALL SELECT {former}.agreement_id, {former}.id, {former}.institution_id,"
        f" {institution}.slug, {institution}.name, {institution}.country, '', NULL,"
        f" {institution}.names, {former}.left_at FROM {former} INNER JOIN {institution}"
        f" ON ({former}.institution_id = {institution}.id)"
        f" WHERE {former}.agreement_id IN ({{}}) ORDER BY 2"
    )
    provisions = (
        f"SELECT agreement_id, kind FROM {provision}"  # noqa: S608
        " WHERE agreement_id IN ({}) ORDER BY id ASC"
    )
    return parties, provisions


@dataclass
class ListPage:
    """One page of a list, counted up to a cap: `count` is exact when `count_is_exact`,
    otherwise more than `count` agreements match and `pages` are those known to exist."""

    object_list: list[AgreementRow]
    number: int
    page_size: int
    count: int
    count_is_exact: bool
    pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def agreements_page(
    queryset: QuerySet[Agreement],
    number: Any,
    page_size: int,
    *,
    clamp: bool = True,
    fields: tuple[str, ...] = ROW_FIELDS,
    reader: AnyUser | None = None,
) -> ListPage:
    """Page `number` (from 1) of `queryset`. The count stops at COUNT_CAP + 1 matches, or at
    the end of the page asked for plus one when that is further, so that numbering the
    pages never counts the whole register. A number that is not a page gives page 1; with
    `clamp`, one past the last page gives the last page (as Django's `Paginator.get_page`).
    `reader`: see `agreement_rows`."""
    try:
        number = min(max(int(number), 1), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    limit = max(COUNT_CAP, number * page_size) + 1
    counted = queryset.order_by().values("pk")[:limit].count()
    exact = counted < limit
    pages = max(1, -(-counted // page_size))
    if clamp and exact:
        number = min(number, pages)
    start = (number - 1) * page_size
    rows = (
        agreement_rows(queryset, start, start + page_size, fields, reader=reader)
        if start < counted
        else []
    )
    return ListPage(
        object_list=rows,
        number=number,
        page_size=page_size,
        count=counted if exact else limit - 1,
        count_is_exact=exact,
        pages=pages,
    )


def agreement_for_detail(user: AnyUser, pk: int) -> Agreement:
    """The agreement with everything its page shows loaded: parties with institutions and
    coordinators, the institutions that left, provisions, documents, renewals and
    amendments. 404 when not visible."""
    queryset = (
        _visible(user)
        .select_related("renews", "amends", "created_by")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.select_related(
                    "institution", "coordinator"
                ).order_by("id"),
            ),
            Prefetch(
                "former_parties",
                queryset=FormerParty.objects.select_related("institution").order_by(
                    "left_at", "id"
                ),
            ),
            Prefetch("provisions", queryset=Provision.objects.order_by("id")),
            Prefetch(
                "documents",
                queryset=AgreementDocument.objects.select_related("uploaded_by").order_by(
                    "kind", "-version"
                ),
            ),
            Prefetch("renewals", queryset=_visible(user).order_by("created_at", "id")),
            Prefetch("amendments", queryset=_visible(user).order_by("created_at", "id")),
        )
    )
    try:
        return queryset.get(pk=pk)
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise Http404("No such agreement.") from None


def agreement_timeline(agreement: Agreement) -> list[AuditEvent]:
    """What happened to the agreement (its parties, provisions and documents included),
    newest first, with each actor loaded."""
    return list(audit_events_for(agreement).order_by("-created_at", "-id"))


def agreement_documents(user: AnyUser, agreement: Agreement) -> list[AgreementDocument]:
    """The agreement's documents, every version, newest first within each kind; 404 for a
    user who may see the agreement but not its documents (public viewers)."""
    if not user.has_perm("agreements.download_document", agreement):
        raise Http404("No such agreement.")
    return list(
        AgreementDocument.objects.filter(agreement=agreement)
        .select_related("uploaded_by")
        .order_by("kind", "-version")
    )


def agreement_document_get(user: AnyUser, agreement_pk: int, document_pk: int) -> AgreementDocument:
    """A document `user` may download. 404 when the agreement is not visible, when the user
    may see it but not its documents (public viewers), and when there is no such document."""
    agreement = agreement_get_visible(user, agreement_pk)
    if not user.has_perm("agreements.download_document", agreement):
        raise Http404("No such document.")
    try:
        document = AgreementDocument.objects.select_related("uploaded_by").get(
            pk=document_pk, agreement_id=agreement.pk
        )
    except (AgreementDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("No such document.") from None
    document.agreement = agreement
    return document
