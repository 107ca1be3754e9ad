"""Each order of an agreement list is read from an index in that order, whole or narrowed."""

import pytest
from django.db import connection

from accord.agreements.filters import SORT_ORDERS, AgreementFilterForm
from accord.agreements.models import Agreement
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite plans without statistics, as Accord leaves it; PostgreSQL plans by them.",
)
@pytest.mark.parametrize("sort", list(SORT_ORDERS))
@pytest.mark.parametrize("narrowed", [{}, {"status": "active"}, {"kind": "mou"}])
def test_a_page_is_read_in_its_order_and_not_sorted(sort, narrowed):
    AgreementFactory()
    form = AgreementFilterForm({"sort": sort, **narrowed})
    assert form.is_valid(), form.errors
    page = form.filter(Agreement.objects.all()).values("pk")[:50]

    plan = page.explain()

    # A sort would read every matching agreement before the first 50.
    assert "TEMP B-TREE" not in plan, plan
    assert "USING COVERING INDEX" in plan, plan
