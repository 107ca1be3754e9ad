"""The filters of the mobility flows, for the page, its CSV downloads and the API alike."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.agreements.forms import PlainSelect, PlainTextInput
from accord.agreements.provisions import isced_fields, isced_label
from accord.core.forms import CountryCodeField
from accord.institutions.forms import InstitutionKeyField
from accord.institutions.models import Institution
from accord.mobility.checks import EQF_LEVELS, academic_year_of
from accord.mobility.models import Funding, MobilityKind

ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{4})$")
# The first academic year the year filters offer when there are no mobilities yet.
EARLIEST_YEAR = 2015


@dataclass(frozen=True)
class FlowFilters:
    """What the figures are narrowed to; `institution` or else `country` is the point of view
    (outgoing: leaving it, incoming: arriving in it)."""

    year_from: str = ""
    year_to: str = ""
    eqf_level: int | None = None
    isced: str = ""
    kind: str = ""
    funding: str = ""
    institution: Institution | None = None
    country: str = ""


def academic_years(first: str | None, today: dt.date) -> list[str]:
    """Every academic year from `first` (or EARLIEST_YEAR) to the one after today's."""
    current = int(academic_year_of(today)[:4])
    start = int(first[:4]) if first and ACADEMIC_YEAR.match(first) else EARLIEST_YEAR
    start = min(start, current)
    return [f"{year}/{year + 1}" for year in range(start, current + 2)]


def _isced_choices() -> list[tuple[str, str]]:
    """Broad and narrow ISCED-F fields: detailed ones are accepted too, but not offered."""
    return [
        (code, f"{code} {label[len(code) + 1 :]}" if len(code) == 2 else f"\u2003{label}")
        for code, label in isced_fields()
        if len(code) in (2, 3)
    ]


class FlowFilterForm(forms.Form):
    year_from = forms.ChoiceField(label=_("From year"), required=False, widget=PlainSelect)
    year_to = forms.ChoiceField(label=_("To year"), required=False, widget=PlainSelect)
    eqf_level = forms.TypedChoiceField(
        label=_("EQF level"),
        coerce=int,
        empty_value=None,
        choices=[("", _("Any level")), *((str(n), str(n)) for n in EQF_LEVELS)],
        required=False,
        widget=PlainSelect,
    )
    isced = forms.CharField(label=_("Field (ISCED-F)"), max_length=4, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Any kind")), *MobilityKind.choices],
        required=False,
        widget=PlainSelect,
    )
    funding = forms.ChoiceField(
        label=_("Funding"),
        choices=[("", _("Any funding")), *Funding.choices],
        required=False,
        widget=PlainSelect,
    )
    institution = InstitutionKeyField(
        label=_("Institution (home or host)"),
        max_length=120,
        required=False,
        widget=PlainTextInput,
    )
    country = CountryCodeField(label=_("Country (home or host)"), max_length=2, required=False)

    def __init__(self, *args: Any, years: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year_choices = [(year, year) for year in years]
        cast(forms.ChoiceField, self.fields["year_from"]).choices = [
            ("", _("Earliest")),
            *year_choices,
        ]
        cast(forms.ChoiceField, self.fields["year_to"]).choices = [("", _("Latest")), *year_choices]
        self.fields["isced"].widget = PlainSelect(choices=[("", _("Any field")), *_isced_choices()])
        self.years = years

    def clean_isced(self) -> str:
        code = self.cleaned_data["isced"].strip()
        if code and not isced_label(code):
            raise forms.ValidationError(
                _("%(value)s is not an ISCED-F 2013 field of education code.") % {"value": code}
            )
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("year_from"), data.get("year_to")
        if first and last and first > last:
            self.add_error("year_to", _("The last year cannot come before the first."))
        return data

    def filters(self) -> FlowFilters:
        """The valid filters; a filter with an error is left out."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = {name: value for name, value in self.cleaned_data.items() if value}
        return FlowFilters(**data)
