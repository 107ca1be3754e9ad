import datetime as dt

import pytest

from accord.core.services import api_token_create
from accord.mobility.models import MobilityKind, MobilityStatus
from tests.factories import InstitutionFactory, MembershipFactory
from tests.mobility.records import MobilityFactory, mobilities

URL = "/api/v1/analytics/mobility-flows"


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(name="University of Warsaw", country="PL", slug="uw")


@pytest.fixture
def berlin(db):
    return InstitutionFactory(name="Humboldt University of Berlin", country="DE", slug="hu")


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def test_officer_gets_the_aggregates(officer_client, institution, warsaw, berlin):
    mobilities(institution, warsaw, 12, status=MobilityStatus.COMPLETED, returned_home=True)
    mobilities(institution, berlin, 6)

    response = officer_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["suppression_threshold"] == 5
    assert body["point_of_view"] == ""
    assert body["summary"] == {
        "mobilities": 18,
        "countries": 3,
        "agreement_share": 0.0,
        "return_rate": 100.0,
    }
    assert body["charts"]["flows"] == {
        "title": "Flows from country to country",
        "columns": ["From", "To", "Mobilities"],
        "rows": [["Kazakhstan", "Poland", 12], ["Kazakhstan", "Germany", 6]],
    }
    assert set(body["charts"]) == {
        "destinations",
        "origins",
        "flows",
        "trends",
        "agreements",
        "partner-hosts",
        "partner-homes",
        "returns-cohort",
        "returns-country",
        "obligations",
    }


def test_small_counts_are_suppressed_in_the_api(officer_client, institution, warsaw, berlin):
    mobilities(institution, warsaw, 9, status=MobilityStatus.COMPLETED, returned_home=True)
    mobilities(institution, warsaw, 1, status=MobilityStatus.COMPLETED, returned_home=False)
    mobilities(institution, berlin, 2)

    charts = officer_client.get(URL).json()["charts"]

    # Showing the 10 beside the total of 12, or the 9 beside the 10, would give the small ones.
    assert charts["destinations"]["rows"] == [["Poland", "≥5"], ["Germany", "<5"]]
    assert charts["returns-country"]["rows"] == [["Poland", 10, "≥5", "<5", None]]


def test_filters_apply_as_on_the_page(officer_client, institution, warsaw, berlin):
    mobilities(institution, warsaw, 5, kind=MobilityKind.DEGREE_STUDY, eqf_level=7)
    mobilities(warsaw, berlin, 6, kind=MobilityKind.TRAINEESHIP, eqf_level=6)
    mobilities(
        warsaw, institution, 7, start_date=dt.date(2022, 10, 1), end_date=dt.date(2023, 1, 31)
    )

    def total(**params):
        response = officer_client.get(URL, params)
        assert response.status_code == 200, response.content
        return response.json()["summary"]["mobilities"]

    assert total() == 18
    assert total(kind="traineeship") == 6
    assert total(eqf_level=7) == 5
    assert total(institution="uw") == 18
    assert total(country="KZ") == 12
    assert total(year_from="2023/2024") == 11
    assert officer_client.get(URL, {"country": "KZ"}).json()["point_of_view"] == "Kazakhstan"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"eqf_level": 9}, "eqf_level"),
        ({"isced": "9999"}, "isced"),
        ({"country": "XX"}, "country"),
        ({"institution": "nowhere"}, "institution"),
        ({"kind": "holiday"}, "kind"),
        ({"year_from": "1990/1991"}, "year_from"),
    ],
)
def test_bad_filters_are_refused_with_a_problem(officer_client, db, params, field):
    response = officer_client.get(URL, params)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


@pytest.mark.parametrize("role", ["student", "researcher"])
def test_students_and_researchers_are_refused(client, institution, role):
    client.force_login(MembershipFactory(institution=institution, role=role).user)

    response = client.get(URL)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_anonymous_callers_are_refused(client, db):
    assert client.get(URL).status_code == 401


def test_a_personal_token_of_an_officer_works(client, officer, institution, warsaw):
    mobilities(institution, warsaw, 5)
    _token, secret = api_token_create(actor=officer, user=officer, name="ministry report")

    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200
    assert response.json()["summary"]["mobilities"] == 5


def test_the_api_shows_no_personal_data(officer_client, institution, warsaw):
    people = mobilities(institution, warsaw, 6, status=MobilityStatus.COMPLETED)
    people[0].given_names, people[0].email = "Zhansaya", "zhansaya@kaznu.kz"
    people[0].save()

    text = officer_client.get(URL).content.decode()

    assert "Zhansaya" not in text
    assert "@kaznu.kz" not in text
    assert "Nurlanova" not in text


def test_the_api_runs_a_constant_number_of_queries(
    officer_client, institution, warsaw, berlin, count_queries
):
    def queries() -> int:
        with count_queries() as ctx:
            assert officer_client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    mobilities(institution, warsaw, 1)
    one = queries()
    for n in range(49):
        host = InstitutionFactory(country=["DE", "TR", "US", "GB"][n % 4])
        MobilityFactory(
            home_institution=[institution, warsaw, berlin][n % 3],
            host_institution=host,
            status=MobilityStatus.COMPLETED,
            returned_home=bool(n % 2),
        )
    fifty = queries()

    assert fifty == one == 10
