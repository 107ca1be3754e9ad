import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import throttle
from .models import Role
from .validators import LARGEST_ID, normalize_country_code, validate_country_code


class CountryCodeField(forms.CharField):
    """An ISO 3166 alpha-2 code, written in any case (` kz ` is KZ); empty stays empty."""

    def clean(self, value: Any) -> str:
        code = normalize_country_code(super().clean(value))
        validate_country_code(code)
        return code


class ListFilterForm(forms.Form):
    """A list's filter bar, bound to the query string."""

    # The fields that put the list in an order: they show the same rows, so narrow nothing.
    ordering_fields: tuple[str, ...] = ()

    @property
    def narrows(self) -> bool:
        """Whether any filter was given: the page number and other parameters that are not
        the form's own fields are none, and neither is the order."""
        return self.is_bound and any(
            self.data.get(name) for name in self.fields if name not in self.ordering_fields
        )


class _PickerInputMixin:
    """An input drawn by the browser's picker, written in the one format HTML gives it
    (`html_format`). A value the picker cannot hold (what was sent without one, such as
    "31.02.2026") is not written back: browsers would drop it, and the page would not be
    valid HTML. The field shows empty, and its error says what was wrong."""

    html_format: str
    # The forms that format takes (two digits apiece), and a parse refusing impossible ones.
    pattern: re.Pattern[str]
    parse: Callable[[str], Any]

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=self.html_format)  # type: ignore[call-arg]

    def format_value(self, value: Any) -> str | None:
        formatted: str | None = super().format_value(value)  # type: ignore[misc]
        if not formatted:
            return formatted
        try:
            if not self.pattern.fullmatch(formatted):
                raise ValueError(formatted)
            type(self).parse(formatted)
        except ValueError:
            return None
        return formatted


class DatePickerInput(_PickerInputMixin, forms.DateInput):
    """`<input type="date">`."""

    input_type = "date"
    html_format = "%Y-%m-%d"
    pattern = re.compile(r"\d{4}-\d{2}-\d{2}")
    parse = dt.date.fromisoformat


class TimePickerInput(_PickerInputMixin, forms.TimeInput):
    """`<input type="time">`, hours and minutes."""

    input_type = "time"
    html_format = "%H:%M"
    pattern = re.compile(r"\d{2}:\d{2}(:\d{2})?")
    parse = dt.time.fromisoformat


class DateTimePickerInput(_PickerInputMixin, forms.DateTimeInput):
    """`<input type="datetime-local">`, to the minute."""

    input_type = "datetime-local"
    html_format = "%Y-%m-%dT%H:%M"
    pattern = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
    parse = dt.datetime.fromisoformat


def is_id(value: Any) -> bool:
    """Whether `value` (as sent: text) is a number a database key can hold."""
    text = str(value).strip()
    return text.isdecimal() and int(text) <= LARGEST_ID  # "²" is a digit, not a number


class ModelMultipleIdChoiceField(forms.ModelMultipleChoiceField):
    """Several objects chosen by id. A value that is no id a database holds (a number past
    LARGEST_ID, say) is not one of the choices, rather than a query that fails."""

    def clean(self, value: Any) -> Any:
        # What was sent: ids as text (a disabled field's initial objects are not checked).
        sent = value if isinstance(value, list | tuple) and not self.to_field_name else ()
        for key in sent:
            if isinstance(key, str | int) and not is_id(key):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": key},
                )
        return super().clean(value)


# Languages offered for names besides the main name (the site's languages but English).
NAME_LANGUAGES = [(code, label) for code, label in settings.LANGUAGES if code != "en"]


class NamesInLanguagesMixin:
    """For a form of something with a main `name` and `names` in other languages: a field
    `name_<code>` for each of NAME_LANGUAGES, labelled "Name in …"."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_name_fields(self, names: dict[str, str] | None = None) -> None:
        """Add the fields, filled with `names` (those the object has) unless bound."""
        self.known_names = dict(names or {})
        for code, label in NAME_LANGUAGES:
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name in %(language)s") % {"language": label},
                max_length=300,
                required=False,
                initial=self.known_names.get(code, ""),
            )

    def name_fields(self) -> list[forms.BoundField]:
        return [self[f"name_{code}"] for code, _label in NAME_LANGUAGES]  # type: ignore[index]

    @property
    def names_open(self) -> bool:
        """Whether the names in other languages are shown unfolded: some are known, typed
        or wrong."""
        return bool(self.known_names) or any(
            field.value() or field.errors for field in self.name_fields()
        )

    def names(self) -> dict[str, str]:
        """The names in other languages: those typed here, and any others already known in
        languages this form does not offer."""
        offered = dict(NAME_LANGUAGES)
        names = {code: name for code, name in self.known_names.items() if code not in offered}
        for code in offered:
            typed = (self.cleaned_data.get(f"name_{code}") or "").strip()
            if typed:
                names[code] = typed
        return names


def _login_refusal(seconds: int) -> str:
    if seconds < 60:
        return ngettext(
            "Too many failed attempts. Try again in %(seconds)d second.",
            "Too many failed attempts. Try again in %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many failed attempts. Try again in %(minutes)d minute.",
        "Too many failed attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _password_reset_refusal(seconds: int) -> str:
    if seconds < 60:
        return ngettext(
            "Too many links were asked for. Try again in %(seconds)d second.",
            "Too many links were asked for. Try again in %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many links were asked for. Try again in %(minutes)d minute.",
        "Too many links were asked for. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LoginForm(AuthenticationForm):
    """Username or e-mail and password; while the account or the address has to wait after
    failed attempts, refused without a check, with `retry_after` the seconds left."""

    retry_after = 0

    def __init__(self, request=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Username or e-mail")
        username.max_length = 254
        username.widget.attrs["maxlength"] = 254
        self.error_messages = {
            **self.error_messages,
            "invalid_login": _(
                "The username or e-mail and password do not match an active account. "
                "Passwords are case-sensitive."
            ),
        }

    def clean(self):  # type: ignore[no-untyped-def]
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        key = throttle.throttle_key(username)
        ip = throttle.client_ip(self.request)
        self.retry_after = throttle.login_attempt_start(key=key, ip=ip)
        if self.retry_after:
            raise ValidationError(_login_refusal(self.retry_after), code="throttled")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        throttle.login_succeeded(key=key, ip=ip)
        return self.cleaned_data


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's login, throttled as Accord's own; only staff get in."""


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's form, refused (`retry_after` the seconds left) while mail to the address, or
    from the client's address, has to wait."""

    retry_after = 0

    def refuse(self, retry_after: int) -> None:
        self.retry_after = retry_after
        self.add_error(
            None, ValidationError(_password_reset_refusal(retry_after), code="throttled")
        )


def apply_errors(
    form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError next to the fields it names, the rest above the form.
    A service names its own fields; where a form calls one of them otherwise, the form says so
    in `service_aliases` ({service field: form field}), and `aliases` adds to that."""
    aliases = {**getattr(form, "service_aliases", {}), **(aliases or {})}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = aliases.get(name, name)
        messages = [message for item in errors for message in item.messages]
        if target != NON_FIELD_ERRORS and target in form.fields:
            known = {str(message) for message in form.errors.get(target, [])}
            fresh = [message for message in messages if message not in known]
            if fresh:
                form.add_error(target, fresh)
        else:
            form.add_error(None, messages)


class ServiceErrorsMixin:
    """Puts a service's ValidationError on the fields it names, the rest above the form."""

    def add_service_errors(self, exc: ValidationError) -> None:
        apply_errors(self, exc)  # type: ignore[arg-type]


class ProfileForm(ServiceErrorsMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("Password reset links and invitations are sent here."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class ApiTokenForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “reporting script”."),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. reporting script")}),
    )


class InvitationForm(ServiceErrorsMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.RESEARCHER)


class SignupForm(ServiceErrorsMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        password = cleaned.get("password")
        if password and password != cleaned.get("password_confirm"):
            self.add_error("password_confirm", _("The two passwords differ."))
        return cleaned
