"""What a list's filter bar counts as a filter: "Clear" and "match the filters" follow it."""

import pytest
from django import forms

from accord.core.forms import ListFilterForm


class Filters(ListFilterForm):
    ordering_fields = ("sort",)

    search = forms.CharField(required=False)
    status = forms.ChoiceField(choices=[("", "Any"), ("active", "Active")], required=False)
    sort = forms.ChoiceField(choices=[("", "Newest"), ("ending", "Ending")], required=False)


@pytest.mark.parametrize(
    ("query", "narrows"),
    [
        (None, False),
        ({}, False),
        ({"search": ""}, False),
        ({"sort": "ending"}, False),
        ({"page": "3", "utm_source": "newsletter"}, False),
        ({"search": "warsaw"}, True),
        ({"status": "bogus"}, True),  # an invalid filter is still one the user gave
        ({"sort": "ending", "status": "active"}, True),
    ],
)
def test_only_the_forms_own_filters_narrow_the_list(query, narrows):
    assert Filters(query).narrows is narrows
