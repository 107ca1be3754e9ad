"""A facility's tariff as pages write it."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from accord.centers.models import Facility


@pytest.mark.parametrize(
    ("language", "price", "currency", "expected"),
    [
        ("en", "4500.00", "KZT", "4,500 KZT per hour"),
        ("en", "40.50", "AZN", "40.50 AZN per hour"),
        ("ru", "4500.00", "KZT", "4\xa0500 KZT в час"),
        ("pl", "40.50", "AZN", "40,50 AZN za godzinę"),
    ],
)
def test_a_tariff_is_written_as_the_readers_language_writes_amounts(
    language, price, currency, expected
):
    facility = Facility(
        free_under_agreement=False, price_per_hour=Decimal(price), currency=currency
    )
    with translation.override(language):
        assert render_to_string("centers/_tariff.html", {"facility": facility}).strip() == expected
