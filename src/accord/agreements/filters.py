"""Filtering agreement lists, for the pages and the API alike."""

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django import forms
from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, F, Func, OrderBy, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.forms import CountryCodeField, ListFilterForm
from accord.core.search_index import fts_matches, fts_usable
from accord.institutions.forms import InstitutionKeyField
from accord.institutions.models import Institution

from .forms import PlainNumberInput, PlainSelect, PlainTextInput
from .models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Provision,
    ProvisionKind,
)
from .selectors import COUNT_CAP, party_agreement_ids


def _choices(choices: list[tuple[str, Any]], empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *choices]


SCOPE_ALL = "all"

# The orders a list can be read in, by the value of `sort`; each has its index (the model's
# Meta). `id` breaks ties, so that pages neither repeat nor skip an agreement. Without an
# end date an agreement runs on: it comes last, on PostgreSQL and SQLite alike.
SORT_NEWEST = "newest"
SORT_ORDERS: dict[str, tuple[str | OrderBy, ...]] = {
    SORT_NEWEST: ("-created_at", "-id"),
    "ending": (F("valid_to").asc(nulls_last=True), "id"),
    "changed": ("-updated_at", "-id"),
}
SORT_CHOICES = [
    (SORT_NEWEST, _("Newest first")),
    ("ending", _("By end date")),
    ("changed", _("Recently changed")),
]

# Three characters in a row that pg_trgm counts as a word: a LIKE pattern without them has no
# trigram to look up, and the index would be read whole.
_TRIGRAM = re.compile(r"[^\W_]{3}")


class _EqualsAny(Func):
    """`value = ANY(array)`."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


# How long the planner's estimate for a search term is reused: paging through results, or
# narrowing them by another filter, asks again for the same term. The estimate only chooses
# between two ways to the same agreements, so one a few minutes old does no harm.
ESTIMATE_SECONDS = 600


def _few_title_matches(term: str, using: str) -> bool:
    """Whether the planner expects so few titles to contain `term` that collecting them all
    through the trigram index beats walking the list until it has counted COUNT_CAP: it
    does below about the square root of COUNT_CAP times the agreements (one query that
    plans, and does not run, both SELECTs), asked once per term every ESTIMATE_SECONDS."""
    digest = hashlib.sha256(term.encode()).hexdigest()
    key = f"agreements:few-title-matches:{using}:{digest}"
    few = cache.get(key)
    if few is None:
        few = _planner_expects_few_title_matches(term, using)
        cache.set(key, few, ESTIMATE_SECONDS)
    return bool(few)


def _planner_expects_few_title_matches(term: str, using: str) -> bool:
    matches = Agreement.objects.using(using).filter(search_text__contains=term).values("pk")
    everything = Agreement.objects.using(using).order_by().values("pk")
    plan = json.loads(matches.order_by().union(everything, all=True).explain(format="json"))
    expected, total = (part["Plan Rows"] for part in plan[0]["Plan"]["Plans"])
    return 3 * expected * expected <= COUNT_CAP * total


def search_condition(term: str, using: str = DEFAULT_DB_ALIAS, *, indexed: bool | None = None) -> Q:
    """Agreements whose title or one of whose parties' names contains `term` (lower-cased).

    `indexed`: the matches are one `pk IN (... UNION ...)` computed once through the trigram
    indexes PostgreSQL has on both `search_text` columns (migrations agreements 0002 and
    institutions 0002), which the list then probes. Otherwise the title is tested on each
    agreement the list walks newest first, so that a page, and the capped count, stop after
    enough matches. By default indexed on PostgreSQL for a term with a trigram that few
    titles hold. On SQLite (by default, for a term of three characters or more) the titles
    and the institutions matching are read from their FTS5 trigram tables (migrations
    agreements 0003 and institutions 0003), two `pk IN` the list probes. All give the same
    agreements, each once."""
    if indexed is None and fts_usable(connections[using].vendor, term):
        titled = fts_matches(Agreement._meta.db_table, term)
        named = fts_matches(Institution._meta.db_table, term)
        return Q(pk__in=titled) | Q(pk__in=party_agreement_ids(institution_id__in=named))
    matching = Institution.objects.filter(search_text__contains=term).order_by().values("pk")
    if indexed is None:
        indexed = (
            connections[using].vendor == "postgresql"
            and _TRIGRAM.search(term) is not None
            and _few_title_matches(term, using)
        )
    if indexed:
        # `= ANY(ARRAY(...))`: the matching institutions are one value, which the planner
        # looks up through the party index rather than hash-joining every party.
        in_matching = _EqualsAny(F("institution_id"), ArraySubquery(matching))
        by_party = AgreementParty.objects.filter(in_matching).order_by().values("agreement_id")
        by_title = Agreement.objects.filter(search_text__contains=term).order_by().values("pk")
        return Q(pk__in=by_title.union(by_party))
    by_party = party_agreement_ids(institution_id__in=matching)
    return Q(search_text__contains=term) | Q(pk__in=by_party)


class AgreementFilterForm(ListFilterForm):
    """Bound to request.GET; `filter(queryset)` applies whatever was given and valid, and
    puts the agreements in the order asked for."""

    ordering_fields = ("sort",)

    search = forms.CharField(
        label=_("Search"),
        max_length=200,
        required=False,
        widget=PlainTextInput,
        help_text=_("Words of the title or of a party's name, in any language."),
    )
    country = CountryCodeField(
        label=_("Partner country"),
        max_length=2,
        required=False,
        widget=PlainTextInput,
        help_text=_("ISO 3166 code, such as AZ or PL."),
    )
    institution = InstitutionKeyField(
        label=_("Institution"),
        max_length=120,
        required=False,
        widget=PlainTextInput,
        help_text=_("The institution's slug or id."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=_choices(AgreementKind.choices, _("Any kind")),
        required=False,
        widget=PlainSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=_choices(AgreementStatus.choices, _("Any status")),
        required=False,
        widget=PlainSelect,
    )
    provision = forms.ChoiceField(
        label=_("Provides"),
        choices=_choices(ProvisionKind.choices, _("Anything")),
        required=False,
        widget=PlainSelect,
    )
    ending_within_days = forms.IntegerField(
        label=_("Ending within (days)"),
        min_value=0,
        max_value=3650,
        required=False,
        widget=PlainNumberInput,
    )

    scope = forms.ChoiceField(
        label=_("Listing"),
        choices=[
            ("", _("Our agreements")),
            (SCOPE_ALL, _("Also others' public ones")),
        ],
        required=False,
        widget=PlainSelect,
        help_text=_(
            "Those your institutions are party to, or also other institutions' active public "
            "agreements. Platform staff always see all."
        ),
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        choices=SORT_CHOICES,
        required=False,
        widget=PlainSelect,
    )

    @property
    def own_only(self) -> bool:
        """Whether to list only the agreements of the user's own institutions."""
        valid = self.is_bound and self.is_valid()
        return not (valid and self.cleaned_data.get("scope") == SCOPE_ALL)

    @property
    def order_only(self) -> dict[str, str]:
        """The query that lists every agreement in the order asked for: what "Clear" keeps."""
        order = self.sort_order
        return {} if order == SORT_NEWEST else {"sort": order}

    @property
    def sort_order(self) -> str:
        """The order the list is in: the one asked for when valid (whatever the other
        filters), otherwise newest first."""
        if not self.is_bound:
            return SORT_NEWEST
        self.is_valid()  # cleaned_data holds the fields that are valid
        return self.cleaned_data.get("sort") or SORT_NEWEST

    def clean_search(self) -> str:
        return " ".join(self.cleaned_data["search"].split()).lower()

    def filter(self, queryset: QuerySet[Agreement]) -> QuerySet[Agreement]:
        """`queryset` narrowed by the valid filters, in the order asked for (newest first when
        none is, or the one asked for is not valid); unchanged by filters that are not valid."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        # Each filter on parties or provisions is `pk IN (subquery)`: the subquery runs once
        # through the party (or provision) index, where EXISTS would run once per agreement;
        # IN never lists an agreement twice, however many of its parties match.
        if term := data.get("search"):
            queryset = queryset.filter(search_condition(term, queryset.db))
        if country := data.get("country"):
            in_country = Institution.objects.filter(country=country).values("pk")
            queryset = queryset.filter(pk__in=party_agreement_ids(institution_id__in=in_country))
        if institution := data.get("institution"):
            queryset = queryset.filter(pk__in=party_agreement_ids(institution_id=institution.pk))
        if kind := data.get("kind"):
            queryset = queryset.filter(kind=kind)
        if status := data.get("status"):
            queryset = queryset.filter(status=status)
        if provision := data.get("provision"):
            holding = Provision.objects.filter(kind=provision).order_by().values("agreement_id")
            queryset = queryset.filter(pk__in=holding)
        days = data.get("ending_within_days")
        if days is not None:
            today = timezone.localdate()
            queryset = queryset.filter(
                status=AgreementStatus.ACTIVE,
                valid_to__gte=today,
                valid_to__lte=today + dt.timedelta(days=days),
            )
        return queryset.order_by(*SORT_ORDERS[self.sort_order])
