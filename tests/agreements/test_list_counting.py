"""Lists count matches only up to a cap, and filter through `pk IN (...)` without repeats."""

import pytest
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from accord.agreements import selectors
from accord.agreements.filters import AgreementFilterForm
from accord.agreements.models import Agreement, AgreementParty, Provision, ProvisionKind
from accord.agreements.views import pages
from tests.factories import AgreementFactory, InstitutionFactory, ProvisionFactory

pytestmark = pytest.mark.django_db
LIST = reverse("agreements:list")


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def seven(institution, partner):
    return [
        AgreementFactory(title=f"Agreement {n}", parties=[institution, partner]) for n in range(7)
    ]


@pytest.fixture
def small_pages(monkeypatch):
    """A cap of 5 and pages of 2: seven agreements run past the cap."""
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)


def test_past_the_cap_the_page_says_more_than_the_cap(officer_client, seven, small_pages):
    response = officer_client.get(LIST)

    content = " ".join(response.content.decode().split())
    page = response.context["page"]
    assert (page.count, page.count_is_exact, page.pages, page.has_next) == (5, False, 3, True)
    assert "5+ agreements" in content
    assert "Page 1 of 3 or more" in content
    assert 'href="?page=2" rel="next"' in content


def test_the_count_reaches_as_far_as_the_page_asked_for(officer_client, seven, small_pages):
    third = officer_client.get(LIST, {"page": "3"})
    last = officer_client.get(LIST, {"page": "4"})

    assert (third.context["page"].count, third.context["page"].has_next) == (6, True)
    assert "6+ agreements" in " ".join(third.content.decode().split())
    assert [row.title for row in last.context["page"].object_list] == ["Agreement 0"]
    content = " ".join(last.content.decode().split())
    assert "7 agreements" in content
    assert "Page 4 of 4" in content
    assert 'rel="next"' not in content


def test_a_page_past_the_last_shows_the_last(officer_client, seven, small_pages):
    response = officer_client.get(LIST, {"page": "99"})

    page = response.context["page"]
    assert (page.number, page.count, page.count_is_exact) == (4, 7, True)


def test_within_the_cap_the_count_is_exact(officer_client, seven):
    response = officer_client.get(LIST)

    assert (response.context["page"].count, response.context["page"].count_is_exact) == (7, True)
    assert "7 agreements" in " ".join(response.content.decode().split())


def test_the_export_holds_every_match_past_the_cap(officer_client, seven, small_pages):
    response = officer_client.get(reverse("agreements:export_csv"))

    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 7


def test_the_country_select_keeps_the_chosen_country(officer_client):
    content = officer_client.get(LIST, {"country": "PL"}).content.decode()

    assert '<option value="PL" selected>Poland</option>' in content


# The filters as `pk IN (...)` give the rows the EXISTS formulation gave, each once. ---------


def _by_exists(**filters) -> list[int]:
    """The ids the filters matched when written as EXISTS over parties and provisions."""
    parties = AgreementParty.objects.filter(agreement_id=OuterRef("pk"))
    queryset = Agreement.objects.all()
    if term := filters.get("search"):
        queryset = queryset.filter(
            Q(search_text__contains=term)
            | Q(Exists(parties.filter(institution__search_text__contains=term)))
        )
    if country := filters.get("country"):
        queryset = queryset.filter(Exists(parties.filter(institution__country=country)))
    if institution := filters.get("institution"):
        queryset = queryset.filter(Exists(parties.filter(institution__slug=institution)))
    if provision := filters.get("provision"):
        queryset = queryset.filter(
            Exists(Provision.objects.filter(agreement_id=OuterRef("pk"), kind=provision))
        )
    return sorted(queryset.values_list("pk", flat=True))


def _by_form(**filters) -> list[int]:
    form = AgreementFilterForm(filters)
    assert form.is_valid(), form.errors
    return sorted(form.filter(Agreement.objects.all()).values_list("pk", flat=True))


@pytest.fixture
def register(db):
    warsaw = InstitutionFactory(name="University of Warsaw", slug="warsaw", country="PL")
    krakow = InstitutionFactory(name="Jagiellonian University", slug="krakow", country="PL")
    baku = InstitutionFactory(name="Baku State University", slug="baku", country="AZ")
    almaty = InstitutionFactory(name="Almaty University of Power", slug="almaty", country="KZ")
    # Two Polish universities, both matching "university": one agreement, listed once.
    both = AgreementFactory(title="Polish consortium", parties=[warsaw, krakow, almaty])
    ProvisionFactory(agreement=both, kind=ProvisionKind.JOINT_EVENTS)
    ProvisionFactory(agreement=both, kind=ProvisionKind.JOINT_EVENTS)
    AgreementFactory(title="University exchange", parties=[baku, warsaw])
    AgreementFactory(title="Caspian memorandum", parties=[baku, almaty])
    return both


@pytest.mark.parametrize(
    "filters",
    [
        {"search": "university"},
        {"search": "polish"},
        {"search": "caspian"},
        {"search": "nowhere"},
        {"country": "PL"},
        {"country": "KZ"},
        {"country": "US"},
        {"institution": "warsaw"},
        {"provision": "joint_events"},
        {"search": "university", "country": "PL", "provision": "joint_events"},
    ],
)
def test_filters_match_the_same_agreements_as_exists_each_once(register, filters):
    found = _by_form(**filters)

    assert found == _by_exists(**filters)
    assert len(found) == len(set(found))


def test_an_agreement_with_several_matching_parties_is_listed_once(officer_client, institution):
    warsaw = InstitutionFactory(name="University of Warsaw", country="PL")
    krakow = InstitutionFactory(name="Jagiellonian University", country="PL")
    AgreementFactory(title="Consortium", parties=[institution, warsaw, krakow])

    for params in ({"country": "PL"}, {"search": "university"}):
        titles = [row.title for row in officer_client.get(LIST, params).context["page"].object_list]
        assert titles == ["Consortium"]
