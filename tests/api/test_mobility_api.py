"""The mobilities API: the same rules as the pages, answered as JSON and problem+json."""

import datetime as dt

import pytest

from accord.mobility.models import Mobility, ReturnObligation
from tests.api.test_agreements_api import bearer, problem
from tests.factories import InstitutionFactory
from tests.mobility.records import (
    MobilityFactory,
    active_agreement,
    mobility_provision,
    officer_of,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/mobilities"


@pytest.fixture
def home(db):
    return InstitutionFactory(
        name="Al-Farabi Kazakh National University", country="KZ", schac_code="kaznu.kz"
    )


@pytest.fixture
def host(db):
    return InstitutionFactory(name="University of Warsaw", country="PL", schac_code="uw.edu.pl")


@pytest.fixture
def home_officer(home):
    return officer_of(home)


def body(**changes):
    return {
        "given_names": "Dana",
        "family_name": "Sadykova",
        "email": "dana@kaznu.kz",
        "birth_date": "2004-03-01",
        "nationality": "KZ",
        "home_institution": "kaznu.kz",
        "host_institution": "uw.edu.pl",
        "kind": "semester_exchange",
        "eqf_level": 6,
        "isced_code": "0611",
        "start_date": "2025-10-01",
        "end_date": "2026-02-28",
        "funding": "government",
        "programme": "Bolashak",
        **changes,
    }


def test_officer_creates_a_mobility(client, home_officer, home, host):
    response = client.post(
        BASE + "/", body(), content_type="application/json", **bearer(home_officer)
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["home_country"], data["host_country"], data["academic_year"]) == (
        "KZ",
        "PL",
        "2025/2026",
    )
    assert data["status"] == "planned"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": "2025-09-01"}, "end_date"),
        ({"host_institution": "kaznu.kz"}, "host_institution"),
        ({"host_institution": "nowhere.example"}, "host_institution"),
        ({"isced_code": "1234"}, "isced_code"),
        ({"eqf_level": 9}, "eqf_level"),
        ({"birth_date": (dt.date.today() + dt.timedelta(days=1)).isoformat()}, "birth_date"),
    ],
)
def test_bad_input_answers_422_naming_the_field(client, home_officer, home, host, changes, field):
    response = client.post(
        BASE + "/", body(**changes), content_type="application/json", **bearer(home_officer)
    )

    assert list(problem(response, 422)["errors"]) == [field]
    assert Mobility.objects.count() == 0


def test_over_quota_answers_422_naming_the_provision(client, home_officer, home, host):
    provision = mobility_provision(active_agreement(home, host), home, host, places=1)
    MobilityFactory(home_institution=home, host_institution=host, provision=provision)

    response = client.post(
        BASE + "/",
        body(provision=provision.pk),
        content_type="application/json",
        **bearer(home_officer),
    )

    assert "all 1 are taken" in problem(response, 422)["errors"]["provision"][0]


def test_anonymous_callers_get_401(client):
    problem(client.get(BASE + "/"), 401)


def test_third_institution_officer_sees_nothing_and_gets_404(client, home, host):
    mobility = MobilityFactory(home_institution=home, host_institution=host)
    outsider = officer_of(InstitutionFactory())

    listed = client.get(BASE + "/", **bearer(outsider)).json()
    problem(client.get(f"{BASE}/{mobility.pk}", **bearer(outsider)), 404)
    problem(
        client.patch(
            f"{BASE}/{mobility.pk}",
            {"family_name": "X"},
            content_type="application/json",
            **bearer(outsider),
        ),
        404,
    )

    assert listed["count"] == 0


def test_host_officer_reads_but_may_not_change(client, home, host):
    mobility = MobilityFactory(home_institution=home, host_institution=host)
    host_officer = officer_of(host)

    detail = client.get(f"{BASE}/{mobility.pk}", **bearer(host_officer))
    refused = client.post(
        f"{BASE}/{mobility.pk}/transition",
        {"to": "nominated"},
        content_type="application/json",
        **bearer(host_officer),
    )

    assert detail.status_code == 200
    problem(refused, 403)


def test_student_lists_their_own_only(client, home, host):
    student = officer_of(home, role="student")
    own = MobilityFactory(home_institution=home, host_institution=host, user=student)
    MobilityFactory(home_institution=home, host_institution=host)

    listed = client.get(BASE + "/", **bearer(student)).json()

    assert [row["id"] for row in listed["results"]] == [own.pk]


def test_filters_and_invalid_filters(client, home_officer, home, host):
    MobilityFactory(home_institution=home, host_institution=host, kind="teaching")
    MobilityFactory(home_institution=home, host_institution=host)

    teaching = client.get(BASE + "/", {"kind": "teaching"}, **bearer(home_officer)).json()
    invalid = client.get(BASE + "/", {"academic_year": "2025"}, **bearer(home_officer))

    assert teaching["count"] == 1
    assert list(problem(invalid, 422)["errors"]) == ["academic_year"]
    beyond = client.get(BASE + "/", {"agreement": "9" * 20}, **bearer(home_officer))
    assert list(problem(beyond, 422)["errors"]) == ["agreement"]


def test_update_transition_return_and_obligations(client, home_officer, home, host):
    mobility = MobilityFactory(home_institution=home, host_institution=host)
    auth = bearer(home_officer)

    def post(path, data):
        return client.post(
            f"{BASE}/{mobility.pk}{path}", data, content_type="application/json", **auth
        )

    patched = client.patch(
        f"{BASE}/{mobility.pk}", {"employer": "x"}, content_type="application/json", **auth
    )
    renamed = client.patch(
        f"{BASE}/{mobility.pk}",
        {"family_name": "Nurlanova-Kim"},
        content_type="application/json",
        **auth,
    )
    early_return = post("/return", {"returned_home": True})
    for status in ("nominated", "ongoing", "completed"):
        assert post("/transition", {"to": status}).status_code == 200
    returned = post("/return", {"returned_home": True, "returned_on": "2026-03-01"})
    added = post(
        "/obligations", {"programme": "Bolashak", "years_of_work": 5, "return_within_months": 6}
    )
    obligation = ReturnObligation.objects.get()
    resolved = post(f"/obligations/{obligation.pk}/resolve", {"status": "waived", "note": ""})

    problem(patched, 422)
    assert renamed.json()["family_name"] == "Nurlanova-Kim"
    problem(early_return, 422)
    assert returned.json()["returned_home"] is True
    assert added.status_code == 201
    assert added.json()["due_on"] == "2026-08-28"
    assert list(problem(resolved, 422)["errors"]) == ["note"]


@pytest.mark.parametrize("rows", [1, 50])
def test_list_runs_the_same_queries_for_1_and_50_rows(
    client, home_officer, home, host, count_queries, rows
):
    MobilityFactory.create_batch(rows, home_institution=home, host_institution=host)
    client.force_login(home_officer)
    client.get(BASE + "/")

    with count_queries() as queries:
        response = client.get(BASE + "/", {"page_size": 100})

    assert response.json()["count"] == rows
    assert len(queries.captured_queries) == 7
