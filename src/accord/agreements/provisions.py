"""The terms of each kind of provision: one form per kind validates them, one function
summarises them. A provision stores its cleaned terms as JSON (`Provision.terms`)."""

import csv
import re
from decimal import Decimal
from functools import cache
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.institutions.models import Unit

from . import hub
from .models import Agreement, Provision, ProvisionKind

ISCED_FILE = "isced-f-2013.csv"

ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
    de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
    hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg
    li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or
    os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta
    te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()  # noqa: SIM905
)

ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK
    JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK
    MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB
    TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD
    XCG XDR XOF XPF YER ZAR ZMW ZWG ZWL""".split()  # noqa: SIM905
)

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{4})$")


STUDENT_STUDIES = "student_studies"
STUDENT_TRAINEESHIP = "student_traineeship"
STAFF_TEACHING = "staff_teaching"
STAFF_TRAINING = "staff_training"
MOBILITY_TYPES = [
    (STUDENT_STUDIES, _("Student mobility for studies")),
    (STUDENT_TRAINEESHIP, _("Student mobility for traineeships")),
    (STAFF_TEACHING, _("Staff mobility for teaching")),
    (STAFF_TRAINING, _("Staff mobility for training")),
]
STUDENT_TYPES = {STUDENT_STUDIES, STUDENT_TRAINEESHIP}


@cache
def _isced() -> dict[str, str]:
    """ISCED-F 2013 code -> English label, read once from the shipped copy."""
    from django.conf import settings

    path = settings.PACKAGE_DIR / "data" / ISCED_FILE
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["label_en"] for row in csv.DictReader(handle)}


def isced_fields() -> list[tuple[str, str]]:
    """(code, "code label") of every ISCED-F 2013 field, in code order, for select boxes."""
    return [(code, f"{code} {label}") for code, label in sorted(_isced().items())]


def isced_label(code: str) -> str:
    return _isced().get(code, "")


class TextListField(forms.Field):
    """A list of short texts: a JSON list from the API, one per line from a textarea."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *, max_items: int = 50, max_length: int = 200, **kwargs: Any) -> None:
        self.max_items = max_items
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            items = value.splitlines()
        elif isinstance(value, list | tuple):
            items = [str(item) for item in value]
        else:
            raise ValidationError(_("Enter a list of names."), code="invalid")
        return [item.strip() for item in items if item.strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > self.max_items:
            raise ValidationError(
                _("Enter at most %(max)d names.") % {"max": self.max_items}, code="max_items"
            )
        for item in value:
            if len(item) > self.max_length:
                raise ValidationError(
                    _("Each name may have at most %(max)d characters.") % {"max": self.max_length},
                    code="max_length",
                )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value


class ProvisionForm(forms.Form):
    """The terms of one kind of provision; knows its agreement to check parties and units."""

    kind: str = ""

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        self.agreement = agreement
        super().__init__(*args, **kwargs)

    def party_choices(self) -> list[tuple[int, str]]:
        return [
            (party.institution_id, party.institution.display_name)
            for party in self.agreement.parties.all()
        ]

    def unit_choices(self) -> list[tuple[int, str]]:
        party_ids = [party.institution_id for party in self.agreement.parties.all()]
        return [
            (unit.pk, f"{unit.name} ({unit.institution.display_name})")
            for unit in Unit.objects.filter(institution_id__in=party_ids).select_related(
                "institution"
            )
        ]

    def terms(self) -> dict[str, Any]:
        """The cleaned terms as JSON-serialisable values."""
        return {name: _json_value(value) for name, value in self.cleaned_data.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return value


class CenterAccessForm(ProvisionForm):
    kind = ProvisionKind.CENTER_ACCESS
    unit_ids = forms.TypedMultipleChoiceField(
        label=_("Centers of the parties"),
        coerce=int,
        required=False,
        error_messages={
            "invalid_choice": _("Unit %(value)s is not a unit of a party institution.")
        },
    )
    center_ids = forms.TypedMultipleChoiceField(
        label=_("Research centers of the parties"),
        coerce=int,
        required=False,
        error_messages={
            "invalid_choice": _("Center %(value)s is not a research center of a party institution.")
        },
        help_text=_("Their facilities become bookable by the other parties' members."),
    )
    centers = TextListField(
        label=_("Other centers"), required=False, help_text=_("One name per line.")
    )
    hours_per_year = forms.IntegerField(label=_("Hours per year"), min_value=1)
    days_per_year = forms.IntegerField(
        label=_("Days per year"), min_value=1, max_value=366, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit_ids"]).choices = self.unit_choices
        cast(forms.ChoiceField, self.fields["center_ids"]).choices = self.center_choices

    def center_choices(self) -> list[tuple[int, str]]:
        return hub.center_options(party.institution_id for party in self.agreement.parties.all())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            "unit_ids" in cleaned
            and "centers" in cleaned
            and not (cleaned["unit_ids"] or cleaned["centers"] or cleaned.get("center_ids"))
        ):
            self.add_error("centers", _("Name at least one center."))
        return cleaned

    def terms(self) -> dict[str, Any]:
        terms = super().terms()
        if not terms.get("center_ids"):
            terms.pop("center_ids", None)  # terms written before centers were registered
        return terms


class JointEventsForm(ProvisionForm):
    kind = ProvisionKind.JOINT_EVENTS
    description = forms.CharField(label=_("Events"), max_length=2000, widget=forms.Textarea)
    events_per_year = forms.IntegerField(
        label=_("Events per year"), min_value=1, max_value=1000, required=False
    )


class ScholarshipForm(ProvisionForm):
    kind = ProvisionKind.SCHOLARSHIP
    programme = forms.CharField(label=_("Programme"), max_length=300)
    places_per_year = forms.IntegerField(label=_("Places per year"), min_value=1)
    stipend_amount = forms.DecimalField(
        label=_("Stipend per month"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        help_text=_("ISO 4217 code, such as EUR, KZT or AZN."),
    )
    months = forms.IntegerField(label=_("Months"), min_value=1, max_value=120, required=False)

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if currency and currency not in ISO_4217:
            raise ValidationError(
                _("%(code)s is not an ISO 4217 currency code (such as EUR, KZT, AZN).")
                % {"code": currency}
            )
        return currency

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        currency_missing = not cleaned.get("currency") and "currency" not in self.errors
        if cleaned.get("stipend_amount") is not None and currency_missing:
            self.add_error("currency", _("Give the currency of the stipend."))
        return cleaned


class MobilityForm(ProvisionForm):
    """An Erasmus Without Paper cooperation condition."""

    kind = ProvisionKind.MOBILITY
    sending_institution = forms.TypedChoiceField(
        label=_("Sending institution"),
        coerce=int,
        error_messages={
            "invalid_choice": _("Institution %(value)s is not a party to this agreement.")
        },
    )
    receiving_institution = forms.TypedChoiceField(
        label=_("Receiving institution"),
        coerce=int,
        error_messages={
            "invalid_choice": _("Institution %(value)s is not a party to this agreement.")
        },
    )
    mobility_type = forms.ChoiceField(label=_("Type of mobility"), choices=MOBILITY_TYPES)
    places_per_year = forms.IntegerField(label=_("Places per year"), min_value=1)
    total_months = forms.DecimalField(
        label=_("Months per year (all students)"),
        min_value=Decimal("0.5"),
        max_digits=6,
        decimal_places=1,
        required=False,
    )
    total_days = forms.IntegerField(
        label=_("Days per year (all staff)"), min_value=1, max_value=36600, required=False
    )
    blended = forms.BooleanField(label=_("Blended mobility"), required=False)
    isced_code = forms.ChoiceField(
        label=_("Field of education (ISCED-F 2013)"),
        required=False,
        error_messages={
            "invalid_choice": _("%(value)s is not an ISCED-F 2013 field of education code.")
        },
    )
    isced_clarification = forms.CharField(
        label=_("Field clarification"), max_length=255, required=False
    )
    eqf_levels = forms.TypedMultipleChoiceField(
        label=_("EQF levels"),
        coerce=int,
        choices=[(level, str(level)) for level in range(1, 9)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("EQF levels are 1 to 8; %(value)s is not one.")},
    )
    language = forms.CharField(
        label=_("Language of instruction"),
        max_length=2,
        required=False,
        help_text=_("ISO 639-1 code, such as en, pl, ru."),
        error_messages={"max_length": _("Use a two-letter ISO 639-1 code, such as en or pl.")},
    )
    cefr_level = forms.ChoiceField(
        label=_("Language level (CEFR)"),
        choices=[("", "-"), *((level, level) for level in CEFR_LEVELS)],
        required=False,
        error_messages={
            "invalid_choice": _("%(value)s is not a CEFR level; use A1, A2, B1, B2, C1 or C2.")
        },
    )
    academic_year_from = forms.CharField(
        label=_("From academic year"), max_length=9, help_text=_("Such as 2025/2026.")
    )
    academic_year_to = forms.CharField(
        label=_("To academic year"), max_length=9, help_text=_("Such as 2029/2030.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parties = [("", "-"), *self.party_choices()]
        cast(forms.ChoiceField, self.fields["sending_institution"]).choices = parties
        cast(forms.ChoiceField, self.fields["receiving_institution"]).choices = parties
        cast(forms.ChoiceField, self.fields["isced_code"]).choices = [("", "-"), *isced_fields()]

    def clean_language(self) -> str:
        language = self.cleaned_data["language"].strip().lower()
        if language and language not in ISO_639_1:
            raise ValidationError(
                _("%(code)s is not an ISO 639-1 language code (such as en, pl, ru).")
                % {"code": language}
            )
        return language

    def _academic_year(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        match = ACADEMIC_YEAR.match(value)
        if not match:
            raise ValidationError(_("Write the academic year as 2025/2026."))
        first, second = int(match[1]), int(match[2])
        if second != first + 1:
            raise ValidationError(
                _(
                    "%(value)s is not an academic year: the second year must follow the first, "
                    "as in %(example)s."
                )
                % {"value": value, "example": f"{first}/{first + 1}"}
            )
        return value

    def clean_academic_year_from(self) -> str:
        return self._academic_year("academic_year_from")

    def clean_academic_year_to(self) -> str:
        return self._academic_year("academic_year_to")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        sending = cleaned.get("sending_institution")
        receiving = cleaned.get("receiving_institution")
        if sending is not None and sending == receiving:
            self.add_error(
                "receiving_institution",
                _("The receiving institution must differ from the sending one."),
            )
        kind = cleaned.get("mobility_type")
        if kind in STUDENT_TYPES:
            cleaned["total_days"] = None
            if cleaned.get("total_months") is None and "total_months" not in self.errors:
                self.add_error("total_months", _("Give the months per year for students."))
        elif kind:
            cleaned["total_months"] = None
            if cleaned.get("total_days") is None and "total_days" not in self.errors:
                self.add_error("total_days", _("Give the days per year for staff."))
        first, last = cleaned.get("academic_year_from"), cleaned.get("academic_year_to")
        if first and last and last < first:
            self.add_error(
                "academic_year_to", _("The last academic year cannot precede the first.")
            )
        language_missing = not cleaned.get("language") and "language" not in self.errors
        if cleaned.get("cefr_level") and language_missing:
            self.add_error("language", _("Give the language the CEFR level refers to."))
        return cleaned


class JointResearchForm(ProvisionForm):
    kind = ProvisionKind.JOINT_RESEARCH
    topic = forms.CharField(label=_("Topic"), max_length=300)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea
    )


class CulturalCenterForm(ProvisionForm):
    kind = ProvisionKind.CULTURAL_CENTER
    name = forms.CharField(label=_("Name"), max_length=300)
    unit_id = forms.TypedChoiceField(
        label=_("Unit hosting it"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": _("Unit %(value)s is not a unit of a party institution.")
        },
    )
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit_id"]).choices = lambda: [
            ("", "-"),
            *self.unit_choices(),
        ]


PROVISION_FORMS: dict[str, type[ProvisionForm]] = {
    ProvisionKind.CENTER_ACCESS: CenterAccessForm,
    ProvisionKind.JOINT_EVENTS: JointEventsForm,
    ProvisionKind.SCHOLARSHIP: ScholarshipForm,
    ProvisionKind.MOBILITY: MobilityForm,
    ProvisionKind.JOINT_RESEARCH: JointResearchForm,
    ProvisionKind.CULTURAL_CENTER: CulturalCenterForm,
}


def provision_terms_clean(kind: str, data: Any, *, agreement: Agreement) -> dict[str, Any]:
    """The cleaned, JSON-serialisable terms of a `kind` provision of `agreement`;
    ValidationError({field: [messages]}) when `data` does not hold valid terms."""
    form_class = PROVISION_FORMS.get(kind)
    if form_class is None:
        raise ValidationError({"kind": _("Unknown kind of provision: %(kind)s.") % {"kind": kind}})
    if not isinstance(data, dict) and not hasattr(data, "getlist"):
        raise ValidationError({"terms": _("The terms must be an object of fields.")})
    form = form_class(data=data, agreement=agreement)
    if not form.is_valid():
        raise ValidationError(
            {
                field: [str(message) for message in messages]
                for field, messages in form.errors.items()
            }
        )
    return form.terms()


def _party_names(provision: Provision) -> dict[int, str]:
    return {
        party.institution_id: party.institution.display_name
        for party in provision.agreement.parties.all()
    }


def _range(numbers: list[int]) -> str:
    numbers = sorted(numbers)
    if not numbers:
        return ""
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 1:
        return f"{numbers[0]}-{numbers[-1]}"
    return ", ".join(str(n) for n in numbers)


def _mobility_summary(terms: dict[str, Any], provision: Provision) -> list[str]:
    names = _party_names(provision)
    types = dict(MOBILITY_TYPES)
    parts = []
    if terms.get("mobility_type") in types:
        parts.append(str(types[terms["mobility_type"]]).lower())
    sending = names.get(terms.get("sending_institution") or 0, gettext("unknown"))
    receiving = names.get(terms.get("receiving_institution") or 0, gettext("unknown"))
    parts.append(f"{sending} -> {receiving}")
    if terms.get("places_per_year"):
        parts.append(gettext("%(n)s places/year") % {"n": terms["places_per_year"]})
    if terms.get("total_months"):
        parts.append(gettext("%(n)s months/year") % {"n": terms["total_months"]})
    if terms.get("total_days"):
        parts.append(gettext("%(n)s days/year") % {"n": terms["total_days"]})
    if terms.get("isced_code"):
        parts.append(f"{terms['isced_code']} {isced_label(terms['isced_code'])}".strip())
    if terms.get("eqf_levels"):
        parts.append(f"EQF {_range(terms['eqf_levels'])}")
    if terms.get("language"):
        parts.append(f"{terms['language']} {terms.get('cefr_level') or ''}".strip())
    if terms.get("academic_year_from"):
        parts.append(f"{terms['academic_year_from']}-{terms.get('academic_year_to', '')}")
    return parts


def _center_access_summary(terms: dict[str, Any], provision: Provision) -> list[str]:
    """The centers opened, each named once in the reader's language: the parties' research
    centers, then units that are not already named by a research center of theirs, then the
    other centers the agreement names in words."""
    centers = hub.centers_named(terms["center_ids"]) if terms.get("center_ids") else []
    named_units = {unit_id for _name, unit_id in centers}
    units = (
        Unit.objects.filter(pk__in=terms["unit_ids"])
        .exclude(pk__in=named_units)
        .only("name", "names")
        if terms.get("unit_ids")
        else []
    )
    names = [
        *(name for name, _unit_id in centers),
        *(unit.display_name for unit in units),
        *(terms.get("centers") or []),
    ]
    parts = [", ".join(names)] if names else []
    if terms.get("hours_per_year"):
        parts.append(gettext("%(n)s hours/year") % {"n": terms["hours_per_year"]})
    if terms.get("days_per_year"):
        parts.append(gettext("%(n)s days/year") % {"n": terms["days_per_year"]})
    return parts


def _scholarship_summary(terms: dict[str, Any], provision: Provision) -> list[str]:
    parts = [terms.get("programme", "")]
    if terms.get("places_per_year"):
        parts.append(gettext("%(n)s places/year") % {"n": terms["places_per_year"]})
    if terms.get("stipend_amount") is not None:
        # Grouped as the reader's language groups thousands: 250,000 or 250 000.
        amount = number_format(terms["stipend_amount"], force_grouping=True)
        stipend = f"{amount} {terms.get('currency', '')}".strip()
        parts.append(gettext("stipend %(amount)s/month") % {"amount": stipend})
    if terms.get("months"):
        parts.append(gettext("%(n)s months") % {"n": terms["months"]})
    return parts


_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def provision_summary(provision: Provision) -> str:
    """One line saying what the provision enables, such as
    "Mobility: student mobility for studies, KazNU -> UW, 5 places/year, 0611 Computer use,
    EQF 6-7, en B2, 2025/2026-2029/2030"."""
    terms = provision.terms or {}
    kind = provision.kind
    if kind == ProvisionKind.MOBILITY:
        parts = _mobility_summary(terms, provision)
    elif kind == ProvisionKind.CENTER_ACCESS:
        parts = _center_access_summary(terms, provision)
    elif kind == ProvisionKind.SCHOLARSHIP:
        parts = _scholarship_summary(terms, provision)
    elif kind == ProvisionKind.JOINT_EVENTS:
        parts = [terms.get("description", "")]
        if terms.get("events_per_year"):
            parts.append(gettext("%(n)s per year") % {"n": terms["events_per_year"]})
    elif kind == ProvisionKind.JOINT_RESEARCH:
        parts = [terms.get("topic", "")]
    elif kind == ProvisionKind.CULTURAL_CENTER:
        parts = [terms.get("name", "")]
    else:
        parts = []
    # Runs of ordinary white space become one space; a no-break space (in 250 000) stays.
    text = ", ".join(_SPACES.sub(" ", str(part)).strip() for part in parts if part)
    label = provision.get_kind_display()
    return f"{label}: {text}" if text else str(label)
