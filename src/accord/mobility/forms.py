"""Forms of the mobility pages and the API's filters. They parse and present input; the
services decide."""

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accord.agreements.forms import CountrySelect
from accord.agreements.models import Agreement, AgreementParty, Provision, ProvisionKind
from accord.agreements.provisions import isced_fields, provision_summary
from accord.core.forms import CountryCodeField, DatePickerInput, ListFilterForm
from accord.core.memberships import staff_institution_ids
from accord.core.models import User
from accord.core.validators import LARGEST_ID
from accord.institutions.forms import InstitutionKeyField
from accord.institutions.models import Institution, Unit
from accord.institutions.selectors import institution_by_key

from .checks import mobility_problems
from .models import (
    Funding,
    Mobility,
    MobilityKind,
    MobilityStatus,
    ObligationStatus,
    PersonKind,
)
from .services import MAX_RETURN_MONTHS, MAX_YEARS_OF_WORK

ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{4})$")
# Agreements offered in the form's select: the newest of the user's institutions'.
AGREEMENT_CHOICES_LIMIT = 300


def _choices(choices: list[tuple[str, Any]], empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *choices]


class MobilityFilterForm(ListFilterForm):
    """Bound to request.GET (or the API's query); `filters()` gives the valid ones."""

    search = forms.CharField(
        label=_("Search"),
        max_length=200,
        required=False,
        help_text=_("Words of the name, e-mail or European Student Identifier."),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=_choices(MobilityStatus.choices, _("Any status")), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=_choices(MobilityKind.choices, _("Any kind")), required=False
    )
    person_kind = forms.ChoiceField(
        label=_("Person"),
        choices=_choices(PersonKind.choices, _("Anyone")),
        required=False,
    )
    academic_year = forms.CharField(
        label=_("Academic year"), max_length=9, required=False, help_text=_("Such as 2025/2026.")
    )
    home_institution = InstitutionKeyField(
        label=_("Home institution"), max_length=200, required=False
    )
    host_institution = InstitutionKeyField(
        label=_("Host institution"), max_length=200, required=False
    )
    country = CountryCodeField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("Home or host country."),
    )
    funding = forms.ChoiceField(
        label=_("Funding"), choices=_choices(Funding.choices, _("Any funding")), required=False
    )
    agreement = forms.IntegerField(
        label=_("Agreement"), min_value=1, max_value=LARGEST_ID, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].widget = CountrySelect()
        self.fields["agreement"].widget = forms.HiddenInput()
        self.fields["search"].widget.input_type = "search"  # type: ignore[attr-defined]
        for name in ("home_institution", "host_institution"):
            self.fields[name].widget.attrs.update(
                {"placeholder": _("Slug or SCHAC code"), "list": "mobility-institution-options"}
            )
        self.fields["academic_year"].widget.attrs["placeholder"] = "2025/2026"

    def clean_search(self) -> str:
        return " ".join(self.cleaned_data["search"].split())

    def clean_academic_year(self) -> str:
        value = self.cleaned_data["academic_year"].strip()
        if value and not ACADEMIC_YEAR.match(value):
            raise forms.ValidationError(_("Write the academic year as 2025/2026."))
        return value

    def filters(self) -> dict[str, Any]:
        """The valid filters, as mobility_filter takes them; invalid ones are left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name not in self.errors
        }

    @property
    def active(self) -> bool:
        return bool(self.filters())


def staff_institutions(user: User) -> list[Institution]:
    return list(Institution.objects.filter(pk__in=staff_institution_ids(user)).order_by("name"))


class MobilityForm(forms.Form):
    """Create or edit a mobility: the home institution is one of the user's own (platform
    staff name any), the host any institution, the agreement and provision optional."""

    # The one select names an agreement or one of its provisions (see _provision_choices).
    service_aliases = {"agreement": "provision"}

    person_kind = forms.ChoiceField(label=_("Person"), choices=PersonKind.choices)
    given_names = forms.CharField(label=_("Given names"), max_length=200)
    family_name = forms.CharField(label=_("Family name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DatePickerInput())
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    esi = forms.CharField(
        label=_("European Student Identifier"),
        max_length=255,
        required=False,
        help_text=_("Such as urn:schac:personalUniqueCode:int:esi:kaznu.kz:12345."),
    )
    account = forms.CharField(
        label=_("Accord account"),
        max_length=254,
        required=False,
        help_text=_(
            "Username or e-mail of the person's account at the home institution: they then "
            "see this mobility under “My mobilities”."
        ),
    )
    home_institution = forms.ChoiceField(label=_("Home institution"))
    home_unit = forms.ChoiceField(label=_("Home unit"), required=False)
    host_institution = InstitutionKeyField(
        label=_("Host institution"),
        max_length=200,
        help_text=_("Type part of the name and pick it, or give its SCHAC code."),
    )
    host_unit = forms.ChoiceField(label=_("Host unit"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=MobilityKind.choices)
    eqf_level = forms.TypedChoiceField(
        label=_("EQF level"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "-"), *((n, str(n)) for n in range(1, 9))],
    )
    isced_code = forms.ChoiceField(label=_("Field of education (ISCED-F)"), required=False)
    start_date = forms.DateField(label=_("Start"), widget=DatePickerInput())
    end_date = forms.DateField(label=_("End"), widget=DatePickerInput())
    funding = forms.ChoiceField(label=_("Funding"), choices=Funding.choices)
    programme = forms.CharField(
        label=_("Programme"),
        max_length=200,
        required=False,
        help_text=_("The scholarship or programme that pays, such as Bolashak."),
    )
    provision = forms.ChoiceField(
        label=_("Under the agreement"),
        required=False,
        help_text=_(
            "An agreement between the home and host institutions, or one of its mobility "
            "provisions: the mobility then takes one of the provision's places."
        ),
    )
    external_id = forms.CharField(label=_("External id"), max_length=100, required=False)

    def __init__(
        self, *args: Any, user: User, mobility: Mobility | None = None, **kwargs: Any
    ) -> None:
        if mobility is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(mobility)
        super().__init__(*args, **kwargs)
        self.user = user
        self.mobility = mobility
        own = staff_institutions(user)
        self.own_ids = {institution.pk for institution in own}
        if mobility is not None and mobility.home_institution_id not in self.own_ids:
            own.append(mobility.home_institution)
            self.own_ids.add(mobility.home_institution_id)
        home_field = self.fields["home_institution"]
        if user.is_staff and not own:
            self.fields["home_institution"] = InstitutionKeyField(
                label=home_field.label, max_length=200
            )
        else:
            home_field.choices = [(i.pk, i.display_name) for i in own]  # type: ignore[attr-defined]
            if len(own) == 1:
                home_field.initial = own[0].pk
        self.fields["nationality"].choices = [("", "-"), *countries]  # type: ignore[attr-defined]
        self.fields["isced_code"].choices = [("", "-"), *isced_fields()]  # type: ignore[attr-defined]
        self.fields["home_unit"].choices = [  # type: ignore[attr-defined]
            ("", "-"),
            *(
                (
                    unit.pk,
                    f"{unit.institution.display_name}: {unit.display_name}"
                    if len(own) > 1
                    else unit.display_name,
                )
                for unit in Unit.objects.filter(institution__in=self.own_ids)
                .select_related("institution")
                .order_by("institution__name", "name")
            ),
        ]
        host = self._host()
        host_units = list(Unit.objects.filter(institution=host).order_by("name")) if host else []
        self.fields["host_unit"].choices = [  # type: ignore[attr-defined]
            ("", "-"),
            *((unit.pk, unit.display_name) for unit in host_units),
        ]
        if not host_units:
            self.fields["host_unit"].help_text = _("Offered once the host institution is chosen.")
        self.fields["provision"].choices = self._provision_choices()  # type: ignore[attr-defined]
        self.fields["host_institution"].widget.attrs.update(
            {
                "list": "mobility-institution-options",
                "autocomplete": "off",
                "data-hx-get": reverse("mobility:unit_options"),
                "data-hx-trigger": "change",
                "data-hx-target": "#id_host_unit",
            }
        )

    @staticmethod
    def initial_for(mobility: Mobility) -> dict[str, Any]:
        return {
            "person_kind": mobility.person_kind,
            "given_names": mobility.given_names,
            "family_name": mobility.family_name,
            "email": mobility.email,
            "birth_date": mobility.birth_date,
            "nationality": mobility.nationality.code or "",
            "esi": mobility.esi,
            "account": mobility.user.username if mobility.user else "",
            "home_institution": mobility.home_institution_id,
            "home_unit": mobility.home_unit_id or "",
            "host_institution": mobility.host_institution.schac_code
            or mobility.host_institution.slug,
            "host_unit": mobility.host_unit_id or "",
            "kind": mobility.kind,
            "eqf_level": mobility.eqf_level,
            "isced_code": mobility.isced_code,
            "start_date": mobility.start_date,
            "end_date": mobility.end_date,
            "funding": mobility.funding,
            "programme": mobility.programme,
            "provision": f"p{mobility.provision_id}"
            if mobility.provision_id
            else (f"a{mobility.agreement_id}" if mobility.agreement_id else ""),
            "external_id": mobility.external_id or "",
        }

    def _host(self) -> Institution | None:
        key = self.data.get("host_institution") if self.is_bound else None
        if key:
            return institution_by_key(str(key))
        if self.mobility is not None:
            return self.mobility.host_institution
        return None

    def _provision_choices(self) -> list[tuple[str, Any]]:
        """The agreements the user's institutions are party to, each followed by its mobility
        provisions."""
        agreement_ids = (
            AgreementParty.objects.filter(institution_id__in=self.own_ids)
            .order_by()
            .values("agreement_id")
        )
        agreements = list(
            Agreement.objects.filter(pk__in=agreement_ids).order_by("-created_at", "-pk")[
                :AGREEMENT_CHOICES_LIMIT
            ]
        )
        current = self.mobility.agreement if self.mobility is not None else None
        if current is not None and all(a.pk != current.pk for a in agreements):
            agreements.append(current)
        provisions: dict[int, list[Provision]] = {}
        for provision in (
            Provision.objects.filter(
                agreement__in=[a.pk for a in agreements], kind=ProvisionKind.MOBILITY
            )
            .select_related("agreement")
            .order_by("pk")
        ):
            provisions.setdefault(provision.agreement_id, []).append(provision)
        choices: list[tuple[str, Any]] = [("", _("No agreement"))]
        for agreement in agreements:
            choices.append((f"a{agreement.pk}", agreement.title))
            for provision in provisions.get(agreement.pk, []):
                label = provision_summary(provision).removeprefix(
                    f"{provision.get_kind_display()}: "
                )
                choices.append((f"p{provision.pk}", f"\u2003{agreement.title}: {label}"))
        return choices

    def clean_home_institution(self) -> Institution | None:
        value = self.cleaned_data["home_institution"]
        if isinstance(value, Institution) or value is None:
            return value
        return Institution.objects.filter(pk=int(value)).first()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The shared checks on what could be read, so that a form with an unknown host still
        # reports its dates and codes at once.
        home, host = cleaned.get("home_institution"), cleaned.get("host_institution")
        problems = mobility_problems(
            start_date=cleaned.get("start_date"),
            end_date=cleaned.get("end_date"),
            home_institution_id=home.pk if home else None,
            host_institution_id=host.pk if host else None,
            eqf_level=cleaned.get("eqf_level"),
            isced_code=cleaned.get("isced_code") or "",
            birth_date=cleaned.get("birth_date"),
        )
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name, message)
        account = (cleaned.get("account") or "").strip()
        home = cleaned.get("home_institution")
        cleaned["user"] = None
        if account and home is not None:
            user = (
                User.objects.filter(Q(username=account) | Q(email__iexact=account))
                .filter(memberships__institution=home)
                .distinct()
                .first()
            )
            if user is None:
                self.add_error(
                    "account",
                    _("No account %(account)s at %(institution)s.")
                    % {"account": account, "institution": home.display_name},
                )
            cleaned["user"] = user
        return cleaned

    def values(self) -> dict[str, Any]:
        """The cleaned values as the services take them."""
        data = self.cleaned_data
        units = {
            unit.pk: unit
            for unit in Unit.objects.filter(
                pk__in=[int(data[n]) for n in ("home_unit", "host_unit") if data.get(n)]
            )
        }
        choice = data.get("provision") or ""
        agreement = provision = None
        if choice.startswith("p"):
            provision = Provision.objects.select_related("agreement").get(pk=int(choice[1:]))
            agreement = provision.agreement
        elif choice.startswith("a"):
            agreement = Agreement.objects.get(pk=int(choice[1:]))
        return {
            "person_kind": data["person_kind"],
            "given_names": data["given_names"],
            "family_name": data["family_name"],
            "email": data.get("email", ""),
            "birth_date": data.get("birth_date"),
            "nationality": data.get("nationality", ""),
            "esi": data.get("esi", ""),
            "user": data.get("user"),
            "home_institution": data["home_institution"],
            "home_unit": units.get(int(data["home_unit"])) if data.get("home_unit") else None,
            "host_institution": data["host_institution"],
            "host_unit": units.get(int(data["host_unit"])) if data.get("host_unit") else None,
            "kind": data["kind"],
            "eqf_level": data.get("eqf_level"),
            "isced_code": data.get("isced_code", ""),
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "funding": data["funding"],
            "programme": data.get("programme", ""),
            "agreement": agreement,
            "provision": provision,
            "external_id": data.get("external_id", ""),
        }

    def changes(self) -> dict[str, Any]:
        """The values that differ from the mobility being edited."""
        assert self.mobility is not None
        changed = {}
        for name, value in self.values().items():
            current = getattr(self.mobility, name)
            if name == "nationality":
                current = current.code or ""
            if name == "external_id":
                current = current or ""
            if current != value:
                changed[name] = value
        return changed


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=MobilityStatus.choices)
    reason = forms.CharField(
        label=_("Why is the mobility cancelled?"), required=False, widget=forms.Textarea
    )


class ReturnForm(forms.Form):
    returned_home = forms.TypedChoiceField(
        label=_("Returned to the home country"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    returned_on = forms.DateField(label=_("Returned on"), required=False, widget=DatePickerInput())
    employer = forms.CharField(label=_("Employer at home"), max_length=300, required=False)


class ObligationForm(forms.Form):
    programme = forms.CharField(label=_("Programme"), max_length=200)
    years_of_work = forms.IntegerField(
        label=_("Years of work at home"), min_value=1, max_value=MAX_YEARS_OF_WORK
    )
    return_within_months = forms.IntegerField(
        label=_("Return within (months)"), min_value=0, max_value=MAX_RETURN_MONTHS
    )


class ResolveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (status.value, status.label)
            for status in ObligationStatus
            if status != ObligationStatus.PENDING
        ],
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
