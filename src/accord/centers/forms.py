"""The forms of the research-center pages: they parse what people type; the services decide
whether it may be done."""

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.forms import (
    DateTimePickerInput,
    ModelMultipleIdChoiceField,
    NamesInLanguagesMixin,
    TimePickerInput,
)
from accord.core.models import User
from accord.institutions.forms import InstitutionChoiceField
from accord.institutions.models import Institution, Unit

from .models import Facility, FacilityKind, OpeningHours
from .services import CENTER_FIELDS, FACILITY_FIELDS, MAX_REPEAT_WEEKS

# The moments the booking forms write and read: as their datetime-local inputs write them.
DATETIME_INPUT = DateTimePickerInput.html_format


def local_datetime_field(label: Any, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=DateTimePickerInput(),
        **kwargs,
    )


class FacilitySearchForm(forms.Form):
    """Find a facility: keyword, institution, country, and a time range it must be free in."""

    q = forms.CharField(
        label=_("Keyword"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("microscope, archive…")}),
    )
    institution = forms.TypedChoiceField(label=_("Institution"), required=False, coerce=int)
    country = forms.ChoiceField(label=_("Country"), required=False)
    free_from = local_datetime_field(_("Free from"), required=False)
    free_to = local_datetime_field(_("Free until"), required=False)

    def __init__(
        self,
        *args: Any,
        institutions: list[tuple[int, str]],
        countries: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", _("Any institution")), *institutions]  # type: ignore[attr-defined]
        self.fields["country"].choices = [("", _("Any country")), *countries]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("free_from"), cleaned.get("free_to")
        if start and not end:
            self.add_error("free_to", _("Give the end of the time range as well."))
        elif end and not start:
            self.add_error("free_from", _("Give the start of the time range as well."))
        elif start and end and end <= start:
            self.add_error("free_to", _("The range must end after it starts."))
        return cleaned

    def values(self) -> dict[str, Any]:
        """The search as the selector takes it; nothing narrows it when the form is invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "search": data.get("q", ""),
            "institution": data.get("institution") or None,
            "country": data.get("country", ""),
            "free_from": data.get("free_from"),
            "free_to": data.get("free_to"),
        }


class CenterForm(NamesInLanguagesMixin, forms.Form):
    institution = InstitutionChoiceField(
        label=_("Institution"), queryset=Institution.objects.none()
    )
    name = forms.CharField(label=_("Name"), max_length=300)
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— (the institution as a whole)"),
        help_text=_("The faculty, department or center of the institution that runs it."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=50, required=False)
    is_public = forms.BooleanField(
        label=_("Public"),
        required=False,
        initial=True,
        help_text=_("Shown to anyone, and on the institution's public page."),
    )

    # What the services change, but the names in other languages, which come from a field
    # per language.
    EDITABLE = tuple(name for name in CENTER_FIELDS if name != "names")

    def __init__(
        self,
        *args: Any,
        institutions: Any = None,
        center: Any = None,
        **kwargs: Any,
    ) -> None:
        if center is not None:
            kwargs.setdefault("initial", {name: getattr(center, name) for name in self.EDITABLE})
        super().__init__(*args, **kwargs)
        self.add_name_fields(center.names if center is not None else None)
        self.center = center
        if center is not None:
            del self.fields["institution"]
            self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
                institution_id=center.institution_id
            )
        else:
            cast(InstitutionChoiceField, self.fields["institution"]).offer(institutions)
            self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
                institution__in=institutions
            ).select_related("institution")
            self.fields["unit"].label_from_instance = (  # type: ignore[attr-defined]
                lambda unit: f"{unit.display_name} ({unit.institution.display_name})"
            )

    def values(self) -> dict[str, Any]:
        """What center_create takes."""
        values = {name: self.cleaned_data[name] for name in ("institution", *self.EDITABLE)}
        return {**values, "names": self.names()}

    def changes(self) -> dict[str, Any]:
        assert self.center is not None
        changes = {
            name: self.cleaned_data[name]
            for name in self.EDITABLE
            if self.cleaned_data[name] != getattr(self.center, name)
        }
        if self.names() != self.center.names:
            changes["names"] = self.names()
        return changes


def user_by_name_or_email(value: str) -> User:
    value = value.strip()
    user = (
        User.objects.filter(Q(username__iexact=value) | Q(email__iexact=value))
        .order_by("pk")
        .first()
    )
    if user is None:
        raise ValidationError(_("Nobody with this username or e-mail is registered."))
    return user


class ManagersForm(forms.Form):
    """The center's managers: untick to remove one, name someone to add them."""

    managers = ModelMultipleIdChoiceField(
        label=_("Managers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "They approve bookings and record training. The institution's admins and officers "
            "manage every center of the institution as well."
        ),
    )
    add = forms.CharField(
        label=_("Add a manager (username or e-mail)"), max_length=254, required=False
    )

    def __init__(self, *args: Any, center: Any, **kwargs: Any) -> None:
        current = list(center.managers.order_by("last_name", "first_name", "username"))
        kwargs.setdefault("initial", {"managers": current})
        super().__init__(*args, **kwargs)
        self.fields["managers"].queryset = center.managers.all()  # type: ignore[attr-defined]
        self.fields["managers"].label_from_instance = (  # type: ignore[attr-defined]
            lambda user: user.get_full_name() or user.username
        )
        if not current:
            self.fields["managers"].widget = forms.MultipleHiddenInput()

    def clean_add(self) -> User | None:
        value = self.cleaned_data["add"].strip()
        return user_by_name_or_email(value) if value else None

    def users(self) -> list[User]:
        users = list(self.cleaned_data["managers"])
        added = self.cleaned_data.get("add")
        if added is not None and added not in users:
            users.append(added)
        return users


class FacilityForm(NamesInLanguagesMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=FacilityKind.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=500,
        initial=1,
        help_text=_("How many bookings may overlap at any moment."),
    )
    slot_minutes = forms.IntegerField(
        label=_("Slot length (minutes)"), min_value=5, max_value=24 * 60, initial=60
    )
    requires_training = forms.BooleanField(
        label=_("Requires training"),
        required=False,
        help_text=_("Only people you mark as trained may book it."),
    )
    training_note = forms.CharField(
        label=_("Training or safety induction"), max_length=300, required=False
    )
    free_under_agreement = forms.BooleanField(
        label=_("Free for partners under an agreement"), required=False, initial=True
    )
    price_per_hour = forms.DecimalField(
        label=_("Price per hour"),
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        required=False,
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "KZT", "size": 4}),
    )
    is_active = forms.BooleanField(
        label=_("Bookable"),
        required=False,
        initial=True,
        help_text=_("A facility that is not bookable is listed but takes no new requests."),
    )

    # The fields the services take (and the form's field order), but the names in other
    # languages, which come from a field per language.
    FIELDS = tuple(name for name in FACILITY_FIELDS if name != "names")

    def __init__(self, *args: Any, facility: Facility | None = None, **kwargs: Any) -> None:
        if facility is not None:
            kwargs.setdefault("initial", {name: getattr(facility, name) for name in self.FIELDS})
        super().__init__(*args, **kwargs)
        self.add_name_fields(facility.names if facility is not None else None)
        self.facility = facility
        if facility is None:
            del self.fields["is_active"]

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def values(self) -> dict[str, Any]:
        """What facility_create takes."""
        values = {name: self.cleaned_data[name] for name in self.FIELDS if name in self.fields}
        return {**values, "names": self.names()}

    def changes(self) -> dict[str, Any]:
        """What facility_update takes: the values that differ from the facility's."""
        assert self.facility is not None
        return {
            name: value
            for name, value in self.values().items()
            if value != getattr(self.facility, name)
        }


WEEKDAYS = OpeningHours._meta.get_field("weekday").choices or []


class OpeningHoursForm(forms.Form):
    """A week of opening hours: one opening and closing time per weekday, empty = closed."""

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        initial: dict[str, Any] = {}
        for row in facility.opening_hours.all():
            initial.setdefault(f"opens_{row.weekday}", row.opens)
            initial.setdefault(f"closes_{row.weekday}", row.closes)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for weekday, day in WEEKDAYS:
            for name, label in (
                (f"opens_{weekday}", _("%(day)s opens") % {"day": day}),
                (f"closes_{weekday}", _("%(day)s closes") % {"day": day}),
            ):
                # The table shows the day and "Opens" / "Closes" as headings, not as labels of
                # the inputs: screen readers get the label from aria-label.
                self.fields[name] = forms.TimeField(
                    label=label,
                    required=False,
                    widget=TimePickerInput(attrs={"aria-label": label}),
                )

    def days(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(label), self[f"opens_{weekday}"], self[f"closes_{weekday}"])
            for weekday, label in WEEKDAYS
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for weekday, _label in WEEKDAYS:
            opens, closes = cleaned.get(f"opens_{weekday}"), cleaned.get(f"closes_{weekday}")
            if opens and not closes:
                self.add_error(f"closes_{weekday}", _("Give the closing time as well."))
            elif closes and not opens:
                self.add_error(f"opens_{weekday}", _("Give the opening time as well."))
            elif opens and closes and closes <= opens:
                self.add_error(f"closes_{weekday}", _("It must close after it opens."))
        return cleaned

    def hours(self) -> list[tuple[int, dt.time, dt.time]]:
        return [
            (
                int(weekday),
                self.cleaned_data[f"opens_{weekday}"],
                self.cleaned_data[f"closes_{weekday}"],
            )
            for weekday, _label in WEEKDAYS
            if self.cleaned_data.get(f"opens_{weekday}")
            and self.cleaned_data.get(f"closes_{weekday}")
        ]


class BlackoutForm(forms.Form):
    starts_at = local_datetime_field(_("From"))
    ends_at = local_datetime_field(_("Until"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("Maintenance, holidays…")}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The period must end after it starts."))
        return cleaned


class TrainingForm(forms.Form):
    user = forms.CharField(
        label=_("Username or e-mail"),
        max_length=254,
        help_text=_("The person who completed the training or safety induction."),
    )

    def clean_user(self) -> User:
        return user_by_name_or_email(self.cleaned_data["user"])


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = f"{settings.ACCORD_PHOTO_MAX_BYTES / (1024 * 1024):.1f}".removesuffix(".0")
        self.fields["image"].help_text = _(
            "A JPEG, PNG or WebP picture of at most %(limit)s MB."
        ) % {"limit": limit}


class BookingForm(forms.Form):
    starts_at = local_datetime_field(_("From"))
    ends_at = local_datetime_field(_("Until"))
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you will do there; the center manager reads it to decide."),
    )
    project = forms.CharField(label=_("Project"), max_length=300, required=False)
    repeat_weeks = forms.IntegerField(
        label=_("Repeat weekly"),
        min_value=0,
        max_value=MAX_REPEAT_WEEKS,
        initial=0,
        required=False,
        help_text=_("How many more weeks at the same time (0 for once)."),
    )
    waitlist = forms.BooleanField(
        label=_("Join the waiting list when the time is taken"),
        required=False,
        help_text=_("You get the slot when a booking before yours is cancelled."),
    )

    def clean_repeat_weeks(self) -> int:
        return self.cleaned_data.get("repeat_weeks") or 0

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The booking must end after it starts."))
        elif start and start < timezone.now():
            self.add_error("starts_at", _("Choose a time in the future."))
        return cleaned


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The researcher reads it in the e-mail telling them."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.TextInput()
    )
