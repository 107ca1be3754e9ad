"""Filtering agreement lists, shared by the page and the API."""

import datetime as dt

import pytest
from django.utils import timezone

from accord.agreements.filters import AgreementFilterForm
from accord.agreements.models import Agreement, AgreementKind, AgreementStatus
from tests.factories import AgreementFactory, InstitutionFactory, ProvisionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kaznu(db):
    return InstitutionFactory(
        name="Al-Farabi Kazakh National University",
        slug="kaznu",
        country="KZ",
        names={"ru": "Казахский национальный университет", "kk": "Әл-Фараби атындағы ҚазҰУ"},
    )


@pytest.fixture
def anas(db):
    return InstitutionFactory(name="Azerbaijan National Academy of Sciences", country="AZ")


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(name="University of Warsaw", country="PL")


def titles(form_data):
    form = AgreementFilterForm(form_data)
    assert form.is_valid(), form.errors
    return sorted(form.filter(Agreement.objects.all()).values_list("title", flat=True))


def test_search_finds_a_party_by_its_russian_name_in_any_case(kaznu, anas, warsaw):
    AgreementFactory(title="Memorandum KazNU-ANAS", parties=[kaznu, anas])
    AgreementFactory(title="ANAS-Warsaw", parties=[anas, warsaw])

    assert titles({"search": "казахский НАЦИОНАЛЬНЫЙ"}) == ["Memorandum KazNU-ANAS"]
    assert titles({"search": "КАЗАХСКИЙ"}) == ["Memorandum KazNU-ANAS"]
    assert titles({"search": "әл-фараби"}) == ["Memorandum KazNU-ANAS"]


def test_search_finds_titles_in_other_languages_once_per_agreement(kaznu, anas, warsaw):
    AgreementFactory(
        title="Memorandum",
        search_text="memorandum меморандум о сотрудничестве",
        parties=[kaznu, anas, warsaw],
    )
    AgreementFactory(title="Other", parties=[anas, warsaw])

    assert titles({"search": "Сотрудничестве"}) == ["Memorandum"]
    # Every party's name matches "university": the agreement still appears once.
    assert titles({"search": "university"}) == ["Memorandum", "Other"]


def test_country_filters_by_a_party_country(kaznu, anas, warsaw):
    AgreementFactory(title="KZ-AZ", parties=[kaznu, anas])
    AgreementFactory(title="AZ-PL", parties=[anas, warsaw])

    assert titles({"country": "pl"}) == ["AZ-PL"]
    assert titles({"country": "AZ"}) == ["AZ-PL", "KZ-AZ"]


def test_institution_filters_by_slug_or_id(kaznu, anas, warsaw):
    AgreementFactory(title="KZ-AZ", parties=[kaznu, anas])
    AgreementFactory(title="AZ-PL", parties=[anas, warsaw])

    assert titles({"institution": "kaznu"}) == ["KZ-AZ"]
    assert titles({"institution": str(warsaw.pk)}) == ["AZ-PL"]


def test_kind_and_status_filter(kaznu, anas):
    AgreementFactory(title="Draft MoU", parties=[kaznu, anas])
    AgreementFactory(
        title="Active exchange",
        kind=AgreementKind.BILATERAL_EXCHANGE,
        status=AgreementStatus.ACTIVE,
        parties=[kaznu, anas],
    )

    assert titles({"kind": "bilateral_exchange"}) == ["Active exchange"]
    assert titles({"status": "draft"}) == ["Draft MoU"]
    assert titles({"kind": "mou", "status": "active"}) == []


def test_provision_filters_by_kind_of_provision(kaznu, anas):
    with_mobility = AgreementFactory(title="Mobility", parties=[kaznu, anas])
    ProvisionFactory(agreement=with_mobility, kind="mobility", terms={})
    ProvisionFactory(agreement=with_mobility, kind="mobility", terms={})
    ProvisionFactory(
        agreement=AgreementFactory(title="Events", parties=[kaznu, anas]), kind="joint_events"
    )

    assert titles({"provision": "mobility"}) == ["Mobility"]
    assert titles({"provision": "scholarship"}) == []


def test_ending_within_days_finds_active_agreements_ending_soon(kaznu, anas):
    today = timezone.localdate()
    for title, status, days in [
        ("Ends in 10 days", AgreementStatus.ACTIVE, 10),
        ("Ends in 100 days", AgreementStatus.ACTIVE, 100),
        ("Ended yesterday", AgreementStatus.ACTIVE, -1),
        ("Draft ending in 10 days", AgreementStatus.DRAFT, 10),
    ]:
        AgreementFactory(
            title=title,
            status=status,
            valid_from=today - dt.timedelta(days=400),
            valid_to=today + dt.timedelta(days=days),
            parties=[kaznu, anas],
        )

    assert titles({"ending_within_days": "30"}) == ["Ends in 10 days"]
    assert titles({"ending_within_days": "365"}) == ["Ends in 10 days", "Ends in 100 days"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"country": "XX"}, "country", "XX is not an ISO 3166 country code (such as KZ, AZ, PL)."),
        ({"institution": "no-such-place"}, "institution", "No institution no-such-place."),
        (
            {"kind": "treaty"},
            "kind",
            "Select a valid choice. treaty is not one of the available choices.",
        ),
        (
            {"status": "signed"},
            "status",
            "Select a valid choice. signed is not one of the available choices.",
        ),
        (
            {"provision": "money"},
            "provision",
            "Select a valid choice. money is not one of the available choices.",
        ),
        (
            {"ending_within_days": "4000"},
            "ending_within_days",
            "Ensure this value is less than or equal to 3650.",
        ),
        ({"ending_within_days": "soon"}, "ending_within_days", "Enter a whole number."),
    ],
)
def test_invalid_filters_are_form_errors(data, field, message):
    form = AgreementFilterForm(data)
    assert not form.is_valid()
    assert form.errors == {field: [message]}


def test_an_invalid_filter_is_ignored_and_the_valid_ones_apply(kaznu, anas, warsaw):
    AgreementFactory(title="KZ-AZ", parties=[kaznu, anas])
    AgreementFactory(title="AZ-PL", parties=[anas, warsaw])
    form = AgreementFilterForm({"country": "PL", "kind": "treaty"})
    assert sorted(form.filter(Agreement.objects.all()).values_list("title", flat=True)) == ["AZ-PL"]


def test_an_unbound_form_filters_nothing(kaznu, anas):
    AgreementFactory(parties=[kaznu, anas])
    assert AgreementFilterForm().filter(Agreement.objects.all()).count() == 1
