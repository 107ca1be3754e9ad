"""Whatever a row of the world list holds, the institutions import skips it with a reason or
takes it; it never fails with an exception."""

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from accord.core.models import AuditEvent
from accord.institutions.importer import import_institutions
from accord.institutions.models import Institution
from tests.properties import property_settings, text

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Al-Farabi Kazakh National University",
    "domains": ["kaznu.kz"],
    "web_pages": ["https://www.kaznu.kz/"],
    "country": "Kazakhstan",
    "alpha_two_code": "KZ",
    "state-province": None,
}

# JSON as the list may hold it where a field is expected: any scalar, a list, an object.
JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        text(nul=True),
        st.sampled_from(["kaznu.kz", "KZ", "https://kaznu.kz", "xn--80ak6aa92e.com", "localhost"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text(nul=False), inner)),
    max_leaves=6,
)


def import_once(rows: list) -> None:
    with transaction.atomic():
        report = import_institutions(rows)
        assert report.total == len(rows)
        assert report.created + report.updated + report.unchanged + len(report.skipped) == (
            report.total
        )
        assert all(skipped.reason for skipped in report.skipped)
        assert Institution.objects.count() == report.created
        assert AuditEvent.objects.count() == report.created
        transaction.set_rollback(True)


@pytest.mark.parametrize("field", sorted(GOOD))
def test_any_value_of_a_field_is_skipped_or_taken(field):
    @property_settings(10)
    @given(value=JSON)
    def check(value):
        import_once([{**GOOD, field: value}])

    check()


def test_any_row_is_skipped_or_taken():
    row = st.one_of(JSON, st.fixed_dictionaries({}, optional=dict.fromkeys(GOOD, JSON)))

    @property_settings(30)
    @given(rows=st.lists(row, max_size=4))
    def check(rows):
        import_once(rows)

    check()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Al-Farabi\x00 University"),
        ("alpha_two_code", "K\x00Z"),
        ("domains", ["kaznu.kz\x00"]),
        ("web_pages", ["https://www.kaznu.kz/\x00"]),
    ],
)
def test_a_null_character_skips_the_row(field, value):
    report = import_institutions([{**GOOD, field: value}])

    assert [skipped.reason for skipped in report.skipped] == [
        "a null character (U+0000) in the row"
    ]
    assert not Institution.objects.exists()
