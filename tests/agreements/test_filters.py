"""Filtering agreement lists, shared by the page and the API."""

import datetime as dt

import pytest
from django.utils import timezone

from accord.agreements import services
from accord.agreements.filters import AgreementFilterForm
from accord.agreements.models import Agreement, AgreementKind, AgreementStatus
from tests.factories import AgreementFactory, InstitutionFactory, ProvisionFactory, UserFactory

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


def ordered_titles(form_data):
    form = AgreementFilterForm(form_data)
    return list(form.filter(Agreement.objects.all()).values_list("title", flat=True))


@pytest.fixture
def periods(kaznu, anas):
    """Four agreements added in this order, with end dates that order them otherwise."""
    made = {}
    for title, valid_to in [
        ("Open-ended", None),
        ("Ends 2031", dt.date(2031, 6, 30)),
        ("Ended 2020", dt.date(2020, 6, 30)),
        ("Ends 2027", dt.date(2027, 6, 30)),
    ]:
        made[title] = AgreementFactory(
            title=title, valid_from=dt.date(2019, 1, 1), valid_to=valid_to, parties=[kaznu, anas]
        )
    return made


def test_lists_are_newest_first_by_default(periods):
    newest_first = ["Ends 2027", "Ended 2020", "Ends 2031", "Open-ended"]
    assert ordered_titles({}) == newest_first
    assert ordered_titles({"sort": "newest"}) == newest_first
    assert ordered_titles({"sort": ""}) == newest_first


def test_by_end_date_the_earliest_end_comes_first_and_no_end_last(periods):
    # On PostgreSQL and SQLite alike, though the two sort NULL at opposite ends by default.
    assert ordered_titles({"sort": "ending"}) == [
        "Ended 2020",
        "Ends 2027",
        "Ends 2031",
        "Open-ended",
    ]


def test_agreements_ending_the_same_day_keep_one_order_across_pages(kaznu, anas):
    for number in range(5):
        AgreementFactory(title=f"Same end {number}", valid_to=dt.date(2030, 1, 1))
    ordered = ordered_titles({"sort": "ending"})
    assert ordered == [f"Same end {number}" for number in range(5)]


def test_recently_changed_puts_the_last_touched_agreement_first(periods, kaznu):
    staff = UserFactory(is_staff=True)
    # A signature changes the agreement, not only its party.
    party = periods["Ends 2031"].parties.get(institution=kaznu)
    services.party_sign(
        actor=staff,
        party=party,
        signatory_name="Zhanseit Tuymebayev",
        signed_on=dt.date(2025, 1, 1),
    )
    assert ordered_titles({"sort": "changed"})[0] == "Ends 2031"
    services.agreement_update(actor=staff, agreement=periods["Open-ended"], description="Changed.")
    assert ordered_titles({"sort": "changed"})[:2] == ["Open-ended", "Ends 2031"]


def test_an_unknown_order_is_a_form_error_and_the_list_stays_newest_first(periods):
    form = AgreementFilterForm({"sort": "title", "country": "AZ"})
    assert form.errors == {
        "sort": ["Select a valid choice. title is not one of the available choices."]
    }
    assert list(form.filter(Agreement.objects.all()).values_list("title", flat=True)) == [
        "Ends 2027",
        "Ended 2020",
        "Ends 2031",
        "Open-ended",
    ]
