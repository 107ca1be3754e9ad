"""Generated input for the property tests: text with the awkward characters people paste, numbers
out of any range, days that do not exist, and a value for each kind of form field."""

import datetime as dt
import os
from typing import Any

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def property_settings(examples: int) -> settings:
    """Bounded and reproducible: the same `examples` on every run, none remembered between
    runs. ACCORD_PROPERTY_EXAMPLES=200 explores further, by hand."""
    return settings(
        max_examples=int(os.environ.get("ACCORD_PROPERTY_EXAMPLES", examples)),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# NUL is refused before it reaches a view (PostgreSQL cannot store it in text).
NUL = "\x00"

AWKWARD = [
    "",
    " ",
    "0",
    "-1",
    "null",
    "None",
    "\u202e right-to-left override",
    "\u200b",
    "\ufeffbom",
    "Ǆ ǅ ǆ ß İ ı",
    "𝔘𝔫𝔦𝔳𝔢𝔯𝔰𝔦𝔱𝔶",
    "日本語の大学",
    "Әл-Фараби атындағы ҚазҰУ",
    "Azərbaycan Milli Elmlər Akademiyası",
    "👩\u200d🔬🧪",
    "e\u0301\u0301\u0301",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s %(name)s {0} {}",
    "../../etc/passwd",
    "a\r\nb",
    "\t",
    "x" * 255,
    "y" * 256,
    "z" * 301,
    "long " * 2000,
    "0000-00-00",
    "9999-12-31",
    "2026-02-30",
]

NUMBERS = [
    "0",
    "-0",
    "1",
    "-1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "9223372036854775808",
    "1" + "0" * 40,
    "1e309",
    "1e-309",
    "1.5",
    "0.000000001",
    "99999999999999999999.99",
    "NaN",
    "inf",
    "-Infinity",
    "0x10",
    "١٢",
    "7 ",
]

DATES = [
    "0000-00-00",
    "0001-01-01",
    "1900-01-01",
    "1969-12-31",
    "2026-02-30",
    "2026-02-28",
    "2026-13-01",
    "2027-06-15",
    "9999-12-31",
    "10000-01-01",
    "-0001-01-01",
    "31.12.2026",
    "12/31/2026",
    "2026-1-1",
]

TIMES = ["00:00", "08:30", "23:59", "24:00", "12:60", "7", "-1:00", "23:59:59.999999"]


def text(*, nul: bool) -> st.SearchStrategy[str]:
    """Any text, a known awkward one, or one of them with NUL inside when `nul`."""
    characters = st.characters(
        codec="utf-8", exclude_characters="" if nul else NUL, exclude_categories=("Cs",)
    )
    choices = [st.sampled_from(AWKWARD), st.text(characters, max_size=40)]
    if nul:
        choices.append(st.sampled_from(AWKWARD).map(lambda value: value + NUL + value))
    return st.one_of(*choices)


def dates() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(DATES), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(str)
    )


def datetimes() -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda day, time: f"{day}T{time}", dates(), st.sampled_from(TIMES)),
        st.builds(lambda day, time: f"{day} {time}", dates(), st.sampled_from(TIMES)),
        dates(),
    )


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.integers(min_value=-5, max_value=50).map(str),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
    )


def uploads(*, nul: bool) -> st.SearchStrategy[SimpleUploadedFile]:
    names = st.sampled_from(
        ["agreement.pdf", "photo.jpg", "photo.png", "data.csv", "book.xlsx", "noext", "a" * 300]
    )
    heads = st.sampled_from(
        [b"", b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"PK\x03\x04", b"a,b\n"]
    )
    return st.builds(
        lambda name, head, body: SimpleUploadedFile(name, head + body),
        names,
        heads,
        st.binary(max_size=200),
    )


def choice_values(field: forms.ChoiceField) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, (list, tuple)):
            values.extend(str(inner) for inner, _label in label)
        else:
            values.append(str(getattr(value, "value", value)))
    return values


def model_choice_values(field: forms.ModelChoiceField) -> list[str]:
    key = field.to_field_name or "pk"
    return [str(value) for value in field.queryset.values_list(key, flat=True)[:5]]


def field_values(field: forms.Field, initial: Any, *, nul: bool) -> st.SearchStrategy[Any]:
    """Values for one field: what the page offers (its choices, its current value), values of
    the field's type that are out of range or do not exist, and any text."""
    junk = text(nul=nul)
    plausible: list[st.SearchStrategy[Any]] = []
    if initial not in (None, "", []):
        if isinstance(initial, (list, tuple)):
            plausible.append(st.just([str(getattr(item, "pk", item)) for item in initial]))
        else:
            plausible.append(st.just(str(getattr(initial, "pk", initial))))

    if isinstance(field, forms.FileField):
        return st.one_of(st.none(), uploads(nul=nul))
    if isinstance(field, forms.BooleanField):
        return st.sampled_from([None, "on", "true", "false", "0", "yes", "x" * 300])
    if isinstance(field, forms.ModelMultipleChoiceField):
        values = model_choice_values(field)
        item = st.one_of(st.sampled_from(values), junk) if values else junk
        return st.one_of(*plausible, st.lists(item, max_size=3))
    if isinstance(field, forms.ModelChoiceField):
        values = model_choice_values(field)
        offered = [st.sampled_from(values)] if values else []
        return st.one_of(*plausible, *offered, numbers(), junk)
    if isinstance(field, forms.MultipleChoiceField):
        values = choice_values(field)
        item = st.one_of(st.sampled_from(values), junk) if values else junk
        return st.one_of(*plausible, st.lists(item, max_size=3))
    if isinstance(field, forms.ChoiceField):
        values = choice_values(field)
        offered = [st.sampled_from(values)] if values else []
        return st.one_of(*plausible, *offered, junk)
    if isinstance(field, forms.DateTimeField):
        return st.one_of(*plausible, datetimes(), junk)
    if isinstance(field, forms.DateField):
        return st.one_of(*plausible, dates(), junk)
    if isinstance(field, forms.TimeField):
        return st.one_of(*plausible, st.sampled_from(TIMES), junk)
    if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return st.one_of(*plausible, numbers(), junk)
    if isinstance(field, forms.EmailField):
        emails = st.sampled_from(
            ["someone@example.org", "a@b", "@", "ü@exämple.org", "a" * 250 + "@example.org"]
        )
        return st.one_of(*plausible, emails, junk)
    if isinstance(field, forms.URLField):
        urls = st.sampled_from(["https://example.org/", "http://", "javascript:alert(1)", "x"])
        return st.one_of(*plausible, urls, junk)
    return st.one_of(*plausible, st.sampled_from(["Physics", "science.az", "kaznu.kz"]), junk)


def form_data(form: forms.BaseForm, *, nul: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A request's data for `form`: each of its fields present or left out, under the name the
    page sends it (the form's prefix included)."""
    optional = {
        form.add_prefix(name): field_values(field, form[name].value(), nul=nul)
        for name, field in form.fields.items()
    }
    return st.fixed_dictionaries({}, optional=optional).map(
        lambda data: {name: value for name, value in data.items() if value is not None}
    )
