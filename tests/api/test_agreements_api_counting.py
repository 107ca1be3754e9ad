"""The agreements API counts matches up to a cap and says when its count is a lower bound."""

import re

import pytest

from accord.agreements import selectors
from accord.api.agreement_schemas import AgreementPage
from tests.factories import AgreementFactory, InstitutionFactory, ProvisionFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/agreements"


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def seven(institution, partner):
    return [
        AgreementFactory(title=f"Agreement {n}", parties=[institution, partner]) for n in range(7)
    ]


def page_facts(body):
    return (body["count"], body["count_is_exact"], body["pages"], body["has_next"])


def test_past_the_cap_the_count_is_a_lower_bound(as_officer, seven, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)

    first = as_officer.get(f"{BASE}/", {"page_size": 2}).json()
    third = as_officer.get(f"{BASE}/", {"page_size": 2, "page": 3}).json()
    last = as_officer.get(f"{BASE}/", {"page_size": 2, "page": 4}).json()

    assert page_facts(first) == (5, False, 3, True)
    assert page_facts(third) == (6, False, 4, True)
    assert page_facts(last) == (7, True, 4, False)
    assert [a["title"] for a in last["results"]] == ["Agreement 0"]


def test_a_page_reaching_past_the_cap_is_counted_exactly(as_officer, seven, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)

    body = as_officer.get(f"{BASE}/", {"page_size": 50}).json()

    assert page_facts(body) == (7, True, 1, False)
    assert len(body["results"]) == 7


def test_within_the_cap_the_count_is_exact(as_officer, seven):
    body = as_officer.get(f"{BASE}/", {"page_size": 2}).json()

    assert page_facts(body) == (7, True, 4, True)
    assert as_officer.get(f"{BASE}/", {"page_size": 2, "page": 9}).json()["results"] == []


def test_the_list_matches_its_schema(as_officer, institution, partner):
    agreement = AgreementFactory(
        titles={"ru": "Меморандум"},
        languages=["en", "ru"],
        tags=["physics"],
        parties=[institution, partner, InstitutionFactory()],
    )
    ProvisionFactory(agreement=agreement)

    body = as_officer.get(f"{BASE}/").json()

    assert AgreementPage.model_validate(body).model_dump(mode="json")["results"][0]["id"] == (
        agreement.pk
    )
    assert body["results"][0]["parties"][0]["institution"] == {
        "id": institution.pk,
        "slug": institution.slug,
        "name": institution.name,
        "country": "KZ",
    }


def test_the_openapi_document_describes_the_capped_count(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["AgreementPage"]

    assert {"count", "count_is_exact", "pages", "has_next", "results"} <= set(schema["properties"])
    assert "lower bound" in schema["properties"]["count_is_exact"]["description"]


def test_the_list_writes_moments_and_text_as_the_detail_does(as_officer, institution, partner):
    agreement = AgreementFactory(titles={"ru": "Меморандум"}, parties=[institution, partner])

    response = as_officer.get(f"{BASE}/")
    listed = response.json()["results"][0]
    detail = as_officer.get(f"{BASE}/{agreement.pk}").json()

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert listed["created_at"] == detail["created_at"]
    assert listed["updated_at"] == detail["updated_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", listed["created_at"])
    assert listed["titles"] == {"ru": "Меморандум"}


def test_a_page_number_too_large_for_the_database_is_refused_by_name(as_officer, seven):
    furthest = as_officer.get(f"{BASE}/", {"page": selectors.MAX_PAGE})
    beyond = as_officer.get(f"{BASE}/", {"page": "99999999999999999999"})

    assert furthest.status_code == 200
    assert furthest.json()["results"] == []
    assert beyond.status_code == 422
    assert beyond["Content-Type"] == "application/problem+json"
    assert list(beyond.json()["errors"]) == ["page"]


@pytest.mark.parametrize(
    "path", ["/api/v1/institutions", "/api/v1/centers/facilities", "/api/v1/centers/bookings"]
)
def test_lists_paged_by_ninja_refuse_such_a_page_number_too(as_officer, path):
    beyond = as_officer.get(path, {"page": "99999999999999999999"})

    assert beyond.status_code == 422
    assert list(beyond.json()["errors"]) == ["page"]
