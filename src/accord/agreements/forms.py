"""Forms of the agreements pages. They parse and present input; the services decide."""

import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accord.core.forms import DatePickerInput, ModelMultipleIdChoiceField, is_id
from accord.core.memberships import institution_ids
from accord.core.models import STAFF_ROLES, Membership, Role, User
from accord.core.text import language_name
from accord.institutions import selectors as institution_selectors
from accord.institutions.forms import InstitutionMultipleChoiceField
from accord.institutions.models import Institution

from .models import Agreement, AgreementKind, AgreementParty, DocumentKind
from .services import SIGNED_STATUSES, SIGNED_UPDATABLE_FIELDS

TITLE_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
# The languages offered as checkboxes; an agreement may hold others (kept when editing).
COMMON_LANGUAGES = ["en", "ru", "kk", "az", "pl", "tr", "uz", "ky", "de", "fr", "zh", "ar"]
_SPLIT = re.compile(r"[,;\s]+")


def split_list(value: str) -> list[str]:
    return [item for item in (part.strip() for part in _SPLIT.split(value or "")) if item]


def split_tags(value: str) -> list[str]:
    """Tags are separated by commas, so a tag may hold spaces."""
    tags: list[str] = []
    for part in (value or "").split(","):
        tag = " ".join(part.split())
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def institutions_by_code(codes: Iterable[str]) -> tuple[list[Institution], list[str]]:
    """The institutions with these SCHAC codes or slugs, in order, and the codes not found."""
    codes = list(codes)
    if not codes:
        return [], []
    lowered = [code.lower() for code in codes]
    found = Institution.objects.filter(Q(schac_code__in=lowered) | Q(slug__in=lowered))
    by_code: dict[str, Institution] = {}
    for institution in found:
        by_code[institution.slug] = institution
        if institution.schac_code:
            by_code[institution.schac_code.lower()] = institution
    institutions = [by_code[code] for code in lowered if code in by_code]
    missing = [code for code, low in zip(codes, lowered, strict=True) if low not in by_code]
    return institutions, missing


def institution_search(user: User, query: str, *, exclude: Iterable[int] = (), limit: int = 20):
    """Up to `limit` institutions whose name (in any language) or web domain matches `query`."""
    query = " ".join(query.split())
    if len(query) < 2:
        return Institution.objects.none()
    return (
        institution_selectors.institution_search(
            institution_selectors.institutions_visible_to(user), search=query
        )
        .exclude(pk__in=list(exclude))
        .order_by("name", "pk")[:limit]
    )


def language_choices(extra: Iterable[str] = (), *, only: bool = False) -> list[tuple[str, Any]]:
    """(code, name) of the common languages and `extra`; of `extra` alone when `only`."""
    extra = list(extra)
    codes = extra if only else [*COMMON_LANGUAGES, *(c for c in extra if c not in COMMON_LANGUAGES)]
    return [(code, language_name(code)) for code in codes]


class AgreementForm(forms.Form):
    """An agreement's own fields; with `parties=True` also its first parties."""

    kind = forms.ChoiceField(label=_("Kind"))
    title = forms.CharField(label=_("Title (English)"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DatePickerInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DatePickerInput())
    auto_renew = forms.BooleanField(label=_("Renews automatically"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages of the agreement text"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, e.g. physics, summer school"),
    )
    is_public = forms.BooleanField(
        label=_("Public"),
        required=False,
        help_text=_("Shown on the parties' public pages once active."),
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        agreement: Agreement | None = None,
        parties: bool = False,
        **kwargs: Any,
    ) -> None:
        if agreement is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(agreement)
        super().__init__(*args, **kwargs)
        self.user = user
        self.agreement = agreement
        kinds = [(value, label) for value, label in AgreementKind.choices]
        if agreement is None or agreement.kind != AgreementKind.AMENDMENT:
            kinds = [(v, label) for v, label in kinds if v != AgreementKind.AMENDMENT]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("Choose the kind of agreement…")),
            *kinds,
        ]
        for code in TITLE_LANGUAGES:
            self.fields[f"title_{code}"] = forms.CharField(
                label=language_name(code), max_length=300, required=False
            )
        existing = agreement.languages if agreement is not None else []
        cast(forms.ChoiceField, self.fields["languages"]).choices = language_choices(existing)
        self.title_fields = [self[f"title_{code}"] for code in TITLE_LANGUAGES]
        self.frozen = agreement is not None and agreement.status in SIGNED_STATUSES
        if self.frozen:
            # Signed: the rest of the text changes only through an amendment.
            for name, form_field in self.fields.items():
                if name not in SIGNED_UPDATABLE_FIELDS:
                    form_field.disabled = True
        if parties:
            self._add_party_fields()

    @staticmethod
    def initial_for(agreement: Agreement) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "kind": agreement.kind,
            "title": agreement.title,
            "description": agreement.description,
            "valid_from": agreement.valid_from,
            "valid_to": agreement.valid_to,
            "auto_renew": agreement.auto_renew,
            "languages": list(agreement.languages),
            "tags": ", ".join(agreement.tags),
            "is_public": agreement.is_public,
        }
        for code in TITLE_LANGUAGES:
            initial[f"title_{code}"] = agreement.titles.get(code, "")
        return initial

    @property
    def titles_open(self) -> bool:
        """Whether the titles in other languages are shown unfolded: one is given or wrong."""
        return any(field.value() or field.errors for field in self.title_fields)

    def _add_party_fields(self) -> None:
        own = Institution.objects.filter(
            pk__in=institution_ids(self.user, (Role.ADMIN, Role.OFFICER))
        ).order_by("name")
        self.fields["own_institutions"] = InstitutionMultipleChoiceField(
            label=_("Your institution"),
            queryset=own,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["partners"] = ModelMultipleIdChoiceField(
            label=_("Partner institutions"),
            queryset=Institution.objects.all(),
            required=False,
            widget=forms.MultipleHiddenInput,
        )
        self.fields["partner_codes"] = forms.CharField(
            label=_("Partners by SCHAC code or slug"),
            required=False,
            max_length=2000,
            help_text=_("Separated by commas, e.g. science.az, uw.edu.pl"),
        )
        if not self.is_bound and "own_institutions" not in self.initial:
            self.initial["own_institutions"] = list(own)

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data["tags"])

    def clean_partner_codes(self) -> list[Institution]:
        codes = split_list(self.cleaned_data["partner_codes"])
        institutions, missing = institutions_by_code(codes)
        if missing:
            raise ValidationError(
                _("No institution has the SCHAC code or slug: %(codes)s"),
                params={"codes": ", ".join(missing)},
            )
        return institutions

    def titles(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"title_{code}"].strip()
            for code in TITLE_LANGUAGES
            if self.cleaned_data.get(f"title_{code}", "").strip()
        }

    def institutions(self) -> list[Institution]:
        """Every party chosen, in order, repeats kept so the service can name them."""
        data = self.cleaned_data
        return [
            *data.get("own_institutions", []),
            *data.get("partners", []),
            *data.get("partner_codes", []),
        ]

    def values(self) -> dict[str, Any]:
        """The agreement's fields as the services take them."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "titles": self.titles(),
            "description": data["description"],
            "valid_from": data["valid_from"],
            "valid_to": data["valid_to"],
            "auto_renew": data["auto_renew"],
            "languages": list(data["languages"]),
            "tags": data["tags"],
            "is_public": data["is_public"],
        }

    def changes(self) -> dict[str, Any]:
        """The fields whose values differ from the agreement's."""
        assert self.agreement is not None
        current = {
            "kind": self.agreement.kind,
            "title": self.agreement.title,
            "titles": dict(self.agreement.titles),
            "description": self.agreement.description,
            "valid_from": self.agreement.valid_from,
            "valid_to": self.agreement.valid_to,
            "auto_renew": self.agreement.auto_renew,
            "languages": list(self.agreement.languages),
            "tags": list(self.agreement.tags),
            "is_public": self.agreement.is_public,
        }
        return {name: value for name, value in self.values().items() if current[name] != value}

    def selected_partners(self) -> list[Institution]:
        """Partners chosen so far, to show again when the form comes back."""
        if "partners" not in self.fields:
            return []
        values = self["partners"].value() or []
        ids = [getattr(v, "pk", v) for v in values if is_id(getattr(v, "pk", v))]
        return list(Institution.objects.filter(pk__in=ids).order_by("name"))


class SignatureForm(forms.Form):
    signatory_name = forms.CharField(label=_("Signatory"), max_length=200)
    signatory_position = forms.CharField(label=_("Position"), max_length=200, required=False)
    signed_on = forms.DateField(label=_("Signed on"), widget=DatePickerInput())


class CoordinatorForm(forms.Form):
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, party: AgreementParty, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["coordinator"]).queryset = User.objects.filter(
            memberships__institution_id=party.institution_id,
            memberships__role__in=STAFF_ROLES,
        ).distinct()


def coordinator_candidates(institution_ids_: Iterable[int]) -> dict[int, list[User]]:
    """The staff of each institution, who may coordinate its part: one query."""
    candidates: dict[int, list[User]] = {}
    memberships = (
        Membership.objects.filter(institution_id__in=list(institution_ids_), role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    for membership in memberships:
        users = candidates.setdefault(membership.institution_id, [])
        if membership.user not in users:
            users.append(membership.user)
    return candidates


class PartyAddForm(forms.Form):
    institution = forms.CharField(
        label=_("Institution"),
        max_length=253,
        help_text=_("Type a name to search, or enter a SCHAC code or slug."),
    )

    def clean_institution(self) -> Institution:
        code = self.cleaned_data["institution"].strip()
        institutions, _missing = institutions_by_code([code])
        if not institutions:
            raise ValidationError(
                _("No institution has the SCHAC code or slug “%(code)s”."), params={"code": code}
            )
        return institutions[0]


class TransitionForm(forms.Form):
    to_status = forms.CharField(max_length=20)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RenewForm(forms.Form):
    valid_from = forms.DateField(label=_("New period from"), widget=DatePickerInput())
    valid_to = forms.DateField(label=_("to"), widget=DatePickerInput())


class AmendForm(forms.Form):
    title = forms.CharField(label=_("Title of the amendment"), max_length=300)
    description = forms.CharField(
        label=_("What it changes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File"))


class ProvisionKindForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of provision"))

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("Choose…")), *kinds]


def error_text(error: ValidationError, labels: dict[str, Any] | None = None) -> str:
    """One readable line for a message: “Field: problem. Other field: problem.”"""
    labels = labels or {}
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for name, errors in error.error_dict.items():
        text = " ".join(message for item in errors for message in item.messages)
        label = labels.get(name)
        if label is None and name != "__all__":
            label = name.replace("_", " ").capitalize()
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def form_error_text(form: forms.Form) -> str:
    labels = {name: field.label for name, field in form.fields.items()}
    return error_text(ValidationError(form.errors.as_data()), labels)


def _attributes(attrs: dict[str, Any]) -> SafeString:
    """HTML attributes as Django's widgets/attrs.html writes them: in order, True bare,
    False left out."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class PlainRenderMixin:
    """Writes the same HTML as Django's templates for inputs and selects, in Python: the
    filter bar is rendered on every list request, and the template engine made up most of
    its cost."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = cast(forms.Widget, self).get_context(name, value, attrs)["widget"]
        if "optgroups" not in widget:
            shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
            return format_html(
                '<input type="{}" name="{}"{}{}>',
                widget["type"],
                widget["name"],
                shown,
                _attributes(widget["attrs"]),
            )
        options: list[str] = []
        for group, choices, _index in widget["optgroups"]:
            if group:
                options.append(format_html('<optgroup label="{}">', group))
            options.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    choice["value"],
                    _attributes(choice["attrs"]),
                    choice["label"],
                )
                for choice in choices
            )
            if group:
                options.append("</optgroup>")
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            _attributes(widget["attrs"]),
            mark_safe("".join(options)),
        )


class PlainTextInput(PlainRenderMixin, forms.TextInput):
    pass


class PlainNumberInput(PlainRenderMixin, forms.NumberInput):
    pass


class PlainSelect(PlainRenderMixin, forms.Select):
    pass


# Countries by name, and their <option>s, built once per language: sorting and escaping
# 249 translated names is most of what a filter bar would otherwise cost to render.
_COUNTRY_NAMES: dict[str, dict[str, str]] = {}
_COUNTRY_OPTIONS: dict[str, list[tuple[str, str]]] = {}


def country_names() -> dict[str, str]:
    """ISO 3166 code -> the country's name in the active language, sorted by name."""
    language = get_language() or settings.LANGUAGE_CODE
    names = _COUNTRY_NAMES.get(language)
    if names is None:
        names = _COUNTRY_NAMES[language] = {code: str(name) for code, name in countries}
    return names


def _country_options() -> list[tuple[str, str]]:
    language = get_language() or settings.LANGUAGE_CODE
    options = _COUNTRY_OPTIONS.get(language)
    if options is None:
        options = _COUNTRY_OPTIONS[language] = [
            (code, format_html('<option value="{}">{}</option>', code, name))
            for code, name in country_names().items()
        ]
    return options


class CountrySelect(forms.Select):
    """A <select> of every country (and "any"), rendered from the per-language options."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = str(value or "").upper()
        parts: list[str] = [
            format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs))),
            format_html(
                '<option value=""{}>{}</option>',
                "" if chosen else " selected",
                _("Any country"),
            ),
        ]
        for code, option in _country_options():
            parts.append(option.replace('">', '" selected>', 1) if code == chosen else option)
        parts.append("</select>")
        # Every part is escaped where it is built.
        return mark_safe("\n".join(parts))


def dress_filters(filter_form: forms.Form, options_url: str) -> forms.Form:
    """The list's filter bar as people use it: countries by name, institutions found by name."""
    fields = filter_form.fields
    if "country" in fields:
        fields["country"].widget = CountrySelect()
    if "search" in fields:
        search = cast(forms.TextInput, fields["search"].widget)
        search.input_type = "search"
        search.attrs["placeholder"] = _("Title or party, in any language")
    if "institution" in fields:
        fields["institution"].widget.attrs.update(
            {
                "list": "filter-institution-options",
                "placeholder": _("Name or slug"),
                "autocomplete": "off",
                "data-hx-get": f"{options_url}?format=datalist&value=slug",
                "data-hx-trigger": "input changed delay:300ms",
                "data-hx-target": "#filter-institution-options",
            }
        )
    if "ending_within_days" in fields:
        fields["ending_within_days"].widget.attrs.update({"placeholder": _("e.g. 90")})
    return filter_form
