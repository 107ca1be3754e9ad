"""Date and time inputs write back only values their browser pickers can hold."""

import datetime as dt

import pytest
from django import forms

from accord.core.forms import DatePickerInput, DateTimePickerInput, TimePickerInput


class PickerForm(forms.Form):
    day = forms.DateField(widget=DatePickerInput())
    hour = forms.TimeField(widget=TimePickerInput())
    moment = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M"], widget=DateTimePickerInput())


def test_values_are_written_in_the_pickers_format():
    form = PickerForm(
        initial={
            "day": dt.date(2026, 3, 4),
            "hour": dt.time(9, 5),
            "moment": dt.datetime(2026, 3, 4, 9, 5),
        }
    )
    html = str(form)
    assert '<input type="date" name="day" value="2026-03-04"' in html
    assert '<input type="time" name="hour" value="09:05"' in html
    assert '<input type="datetime-local" name="moment" value="2026-03-04T09:05"' in html


def test_a_valid_value_sent_is_written_back():
    form = PickerForm({"day": "2026-03-04", "hour": "09:05", "moment": "2026-03-04T09:05"})
    html = str(form)
    assert 'value="2026-03-04"' in html
    assert 'value="09:05"' in html
    assert 'value="2026-03-04T09:05"' in html


@pytest.mark.parametrize(
    ("field", "sent"),
    [
        ("day", "31.02.2026"),
        ("day", "2026-02-31"),
        ("day", "soon"),
        ("hour", "25:00"),
        ("hour", "9 am"),
        ("moment", "2026-13-04T09:05"),
    ],
)
def test_a_value_no_picker_can_hold_is_left_out_and_named_in_the_error(field, sent):
    form = PickerForm({field: sent})

    assert not form.is_valid()
    assert field in form.errors
    assert f'value="{sent}"' not in str(form[field])
