"""Forms of the institutions pages. They parse what people type; the services validate and
write, and their errors are shown on the same forms (`add_service_errors`)."""

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from accord.core.forms import NAME_LANGUAGES, ModelMultipleIdChoiceField, NamesInLanguagesMixin
from accord.core.validators import (
    normalize_erasmus_code,
    normalize_ror_id,
    normalize_schac_code,
    validate_erasmus_code,
    validate_ror_id,
    validate_schac_code,
)

from .models import Institution, InstitutionKind, Unit, UnitKind
from .selectors import institution_by_key


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on `form`, each message by its field when the form
    has that field and above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        if field == "names" and NAME_LANGUAGES:
            target = f"name_{NAME_LANGUAGES[0][0]}"
        if field == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, messages)


class InstitutionKeyField(forms.CharField):
    """An institution named by slug, SCHAC code, ROR id or id; empty gives None."""

    def clean(self, value: Any) -> Institution | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        institution = institution_by_key(text)
        if institution is None:
            raise forms.ValidationError(_("No institution %(key)s.") % {"key": text})
        return institution


class InstitutionChoiceField(forms.ModelChoiceField):
    """A choice of institutions, each named in the reader's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", _("Choose an institution"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return cast(Institution, obj).display_name

    def offer(self, institutions: Any) -> None:
        """Offer `institutions`; when that is only one, it is chosen already."""
        self.queryset = institutions
        choices = list(institutions[:2])
        if len(choices) == 1 and self.required:
            self.initial = choices[0]
            self.empty_label = None


class UnitChoiceField(forms.ModelChoiceField):
    """A choice of units, each named in the reader's language."""

    def label_from_instance(self, obj: Any) -> str:
        return cast(Unit, obj).display_name


class InstitutionMultipleChoiceField(ModelMultipleIdChoiceField):
    """Several institutions, each named in the reader's language."""

    def label_from_instance(self, obj: Any) -> str:
        return cast(Institution, obj).display_name


class InstitutionFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name in any language, domain or ROR id")}
        ),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *InstitutionKind.choices],
    )

    def __init__(self, *args: Any, country_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = sorted(
            ((code, countries.name(code) or code) for code in country_codes if code),
            key=lambda choice: choice[1],
        )
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", _("All countries")),
            *named,
        ]

    def values(self) -> dict[str, str]:
        """The filters to apply; an invalid choice is dropped rather than refused."""
        if self.is_valid():
            data = self.cleaned_data
        else:
            data = {name: self.cleaned_data.get(name, "") for name in self.fields}
        return {
            "search": data.get("q") or "",
            "country": data.get("country") or "",
            "kind": data.get("kind") or "",
        }


class ParentField(forms.CharField):
    """An institution named by its slug or its domain (SCHAC code)."""

    default_error_messages = {
        "unknown": _("No institution has the slug or domain “%(value)s”."),
    }

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Institution):
            return value.slug
        return value

    def clean(self, value: Any) -> Institution | None:
        text = super().clean(value)
        if not text:
            return None
        text = text.strip().lower()
        institution = institution_by_key(text)
        if institution is None:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": text}
            )
        return institution


def _checked(value: str, normalize: Callable[[str], str], validate: Callable[[str], None]) -> str:
    """An identifier as stored, checked here so its errors show with the form's others."""
    value = normalize(value) if value.strip() else ""
    if value:
        validate(value)
    return value


class InstitutionForm(NamesInLanguagesMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=InstitutionKind.choices)
    country = forms.ChoiceField(label=_("Country"))
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    website = forms.URLField(
        label=_("Website"), max_length=300, required=False, assume_scheme="https"
    )
    ror_id = forms.CharField(
        label=_("ROR id"),
        max_length=60,
        required=False,
        help_text=_("e.g. 04wxnsj81 or https://ror.org/04wxnsj81"),
    )
    schac_code = forms.CharField(
        label=_("SCHAC code (domain)"),
        max_length=253,
        required=False,
        help_text=_("The institution's internet domain, e.g. kaznu.kz"),
    )
    erasmus_code = forms.CharField(
        label=_("Erasmus code"),
        max_length=30,
        required=False,
        help_text=_("e.g. PL WARSZAW01"),
    )
    parent = ParentField(
        label=_("Part of"),
        required=False,
        max_length=253,
        help_text=_("The slug or domain of the institution this one belongs to, if any."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, names: dict[str, str] | None = None, **kwargs: Any) -> None:
        """`names`: the institution's names in other languages, when it exists."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = [("", "—"), *countries]
        self.add_name_fields(names)

    def clean_ror_id(self) -> str:
        return _checked(self.cleaned_data["ror_id"], normalize_ror_id, validate_ror_id)

    def clean_schac_code(self) -> str:
        return _checked(self.cleaned_data["schac_code"], normalize_schac_code, validate_schac_code)

    def clean_erasmus_code(self) -> str:
        return _checked(
            self.cleaned_data["erasmus_code"], normalize_erasmus_code, validate_erasmus_code
        )

    @classmethod
    def initial_for(cls, institution: Institution) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": institution.name,
            "kind": institution.kind,
            "country": institution.country.code,
            "city": institution.city,
            "website": institution.website,
            "ror_id": institution.ror_id or "",
            "schac_code": institution.schac_code or "",
            "erasmus_code": institution.erasmus_code or "",
            "parent": institution.parent,
            "description": institution.description,
        }
        return initial

    def service_values(self) -> dict[str, Any]:
        """Keyword arguments for institution_create/institution_update. Names in languages
        this form does not offer are kept."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "names": self.names(),
            "kind": data["kind"],
            "country": data["country"],
            "city": data["city"],
            "website": data["website"],
            "ror_id": data["ror_id"] or None,
            "schac_code": data["schac_code"] or None,
            "erasmus_code": data["erasmus_code"] or None,
            "parent": data["parent"],
            "description": data["description"],
        }


class UnitForm(NamesInLanguagesMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    parent = UnitChoiceField(
        label=_("Part of"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— (directly under the institution)"),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, institution: Institution, unit: Unit | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_name_fields(unit.names if unit is not None else None)
        units = Unit.objects.filter(institution=institution).order_by("name")
        if unit is not None:
            units = units.exclude(pk=unit.pk)
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = units

    def clean(self) -> dict[str, Any]:
        # What unit_create and unit_update take: the names in other languages as one value.
        cleaned = super().clean() or {}
        names = self.names()
        for code, _label in NAME_LANGUAGES:
            cleaned.pop(f"name_{code}", None)
        cleaned["names"] = names
        return cleaned

    @classmethod
    def initial_for(cls, unit: Unit) -> dict[str, Any]:
        return {
            "name": unit.name,
            "kind": unit.kind,
            "parent": unit.parent_id,
            "description": unit.description,
        }


class ContactForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("a person's", "Name"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— (the institution as a whole)"),
    )

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = Unit.objects.filter(
            institution=institution
        ).order_by("name")

    @classmethod
    def initial_for(cls, contact: Any) -> dict[str, Any]:
        return {
            "name": contact.name,
            "position": contact.position,
            "email": contact.email,
            "phone": contact.phone,
            "unit": contact.unit_id,
        }
