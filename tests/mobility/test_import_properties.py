"""Whatever a column of a mobility import holds, in a CSV or an XLSX file, the import reports
the row's error or takes the row; it never fails with an exception, and a refused file leaves
nothing behind."""

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import assume, given
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from accord.core.models import AuditEvent
from accord.mobility.importer.layout import COLUMN_NAMES
from accord.mobility.models import Mobility
from tests.factories import AgreementFactory, InstitutionFactory, UnitFactory
from tests.mobility.test_import import csv_bytes, good_row, run, xlsx_bytes
from tests.properties import dates, numbers, property_settings, text

WITH_NUL = True

DATE_COLUMNS = {"birth_date", "start_date", "end_date", "returned_on"}
NUMBER_COLUMNS = {"eqf_level", "agreement"}
WORDS = {
    "person_kind": ["student", "staff", "STUDENT", " staff "],
    "kind": ["degree_study", "semester_exchange", "traineeship", "research_stay"],
    "funding": ["scholarship", "government", "agreement", "self_funded"],
    "status": ["planned", "nominated", "ongoing", "completed", "cancelled"],
    "returned_home": ["yes", "no", "Yes", "да"],
    "isced_code": ["0613", "061", "06", "9999", "0000"],
    "nationality": ["KZ", "kz", "XX", "KAZ"],
    "host_institution": ["uw.edu.pl", "https://ror.org/039bjqg32", "University of Warsaw"],
    "home_institution": ["kaznu.kz", "uw.edu.pl", ""],
    "home_unit": ["Faculty of Physics", "faculty of physics"],
    "host_unit": ["Faculty of Chemistry"],
}


def cell_values(column: str) -> st.SearchStrategy[Any]:
    """Text of any kind for `column`, and what its type suggests: days, numbers, its words."""
    choices: list[st.SearchStrategy[Any]] = [text(nul=WITH_NUL)]
    if column in DATE_COLUMNS:
        choices.append(dates())
    if column in NUMBER_COLUMNS:
        choices.append(numbers())
    if column in WORDS:
        choices.append(st.sampled_from(WORDS[column]))
    return st.one_of(*choices)


def typed_cells() -> st.SearchStrategy[Any]:
    """What a spreadsheet cell may hold besides text."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**53), max_value=2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        st.dates(dt.date(1900, 1, 1), dt.date(9999, 12, 31)),
        st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(9999, 12, 31)),
    )


@pytest.fixture
def known(db):
    """KazNU, which imports, and what the rows may name: Warsaw, units, an agreement."""
    kaznu = InstitutionFactory(
        name="Al-Farabi Kazakh National University", country="KZ", schac_code="kaznu.kz"
    )
    warsaw = InstitutionFactory(
        name="University of Warsaw", country="PL", schac_code="uw.edu.pl", ror_id="039bjqg32"
    )
    UnitFactory(institution=kaznu, name="Faculty of Physics")
    UnitFactory(institution=warsaw, name="Faculty of Chemistry")
    AgreementFactory(parties=[kaznu, warsaw])
    return kaznu


def file_of(row: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    if fmt == "csv":
        return csv_bytes([row]), "mobilities.csv"
    try:
        return xlsx_bytes([row]), "mobilities.xlsx"
    except IllegalCharacterError:
        # A spreadsheet cannot hold control characters: no such file can reach Accord.
        assume(False)
        raise


def import_once(row: dict[str, Any], fmt: str, institution) -> None:
    """Import a file of `row`, check the outcome, and undo it."""
    data, name = file_of(row, fmt)
    before = (Mobility.objects.count(), AuditEvent.objects.count())
    with transaction.atomic():
        checked, written = run(data, institution, name=name)
        if checked.ok:
            assert written is not None
            assert written.created + written.updated + written.unchanged == 1
        else:
            assert written is None
            assert checked.report()["errors"], row
            assert (Mobility.objects.count(), AuditEvent.objects.count()) == before, row
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("column", COLUMN_NAMES)
def test_any_value_of_a_column_is_reported_or_taken(column, fmt, known):
    @property_settings(6)
    @given(
        value=cell_values(column) if fmt == "csv" else st.one_of(cell_values(column), typed_cells())
    )
    def check(value):
        import_once(good_row(1, **{column: value}), fmt, known)

    check()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_any_row_is_reported_or_taken(fmt, known):
    """Every column at once: a value from its own kind, another column's, or a good one."""
    good = good_row(1)
    columns = {
        column: st.one_of(st.just(good.get(column, "")), cell_values(column))
        for column in COLUMN_NAMES
    }

    @property_settings(30)
    @given(row=st.fixed_dictionaries(columns))
    def check(row):
        import_once(row, fmt, known)

    check()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv"])
def test_a_null_character_in_a_text_column_is_the_rows_error(fmt, known):
    data, name = file_of(good_row(1, given_names="Ai\x00gerim"), fmt)

    checked, written = run(data, known, name=name)

    assert written is None
    assert [(error["row"], error["field"]) for error in checked.report()["errors"]] == [
        (2, "given_names")
    ]
