import pytest

from accord.core.models import ApiToken, AuditEvent
from accord.core.tokens import hash_secret, new_secret
from accord.institutions.models import Institution
from tests.factories import InstitutionFactory, UnitFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/institutions"


def bearer(user) -> dict[str, str]:
    token = new_secret()
    ApiToken.objects.create(user=user, name="test", prefix=token[:8], token_hash=hash_secret(token))
    return {"Authorization": f"Bearer {token}"}


NEW = {
    "name": "Azerbaijan National Academy of Sciences",
    "names": {"az": "Azərbaycan Milli Elmlər Akademiyası"},
    "country": "AZ",
    "kind": "academy",
    "city": "Baku",
    "website": "https://science.gov.az",
    "schac_code": "science.gov.az",
    "ror_id": "https://ror.org/04wxnsj81",
}


def test_the_api_needs_authentication(client, institution):
    response = client.get(API)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_list_returns_a_page_of_institutions_with_units_and_parent(client, officer, institution):
    UnitFactory(institution=institution, name="Faculty of History", kind="faculty")
    InstitutionFactory(name="Institute of Archaeology", parent=institution, schac_code=None)

    response = client.get(API, headers=bearer(officer))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_name = {item["name"]: item for item in body["items"]}
    kaznu = by_name["Al-Farabi Kazakh National University"]
    assert kaznu["country"] == "KZ"
    assert kaznu["country_name"] == "Kazakhstan"
    assert kaznu["kind"] == "university"
    assert [unit["name"] for unit in kaznu["units"]] == ["Faculty of History"]
    assert by_name["Institute of Archaeology"]["parent"] == institution.slug
    assert by_name["Institute of Archaeology"]["schac_code"] is None


def test_list_filters_by_search_country_and_kind(client, officer, institution, partner):
    partner.names = {"ru": "Национальная академия наук Азербайджана"}
    partner.search_text = partner.compute_search_text()
    partner.kind = "academy"
    partner.save()
    headers = bearer(officer)

    def slugs(**params):
        return [item["slug"] for item in client.get(API, params, headers=headers).json()["items"]]

    assert slugs(search="АКАДЕМИЯ") == [partner.slug]
    assert slugs(search=institution.schac_code) == [institution.slug]
    assert slugs(country="kz") == [institution.slug]
    assert slugs(kind="academy") == [partner.slug]
    assert slugs(search="national", country="AZ") == [partner.slug]


def test_an_unknown_kind_is_a_422_problem(client, officer):
    response = client.get(API, {"kind": "castle"}, headers=bearer(officer))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "kind" in response.json()["errors"]


def test_pages_are_50_by_default_and_200_at_most(client, officer):
    InstitutionFactory.create_batch(205, country="PL")
    headers = bearer(officer)

    default = client.get(API, headers=headers).json()
    largest = client.get(API, {"page_size": 500}, headers=headers).json()
    last = client.get(API, {"page_size": 200, "page": 2}, headers=headers).json()

    assert (len(default["items"]), default["count"]) == (50, 206)
    assert len(largest["items"]) == 200
    assert len(last["items"]) == 6


def queries_for_list(client, count_queries, headers, rows: int, country: str) -> int:
    for _ in range(rows):
        institution = InstitutionFactory(country=country, parent=InstitutionFactory(country="AZ"))
        UnitFactory(institution=institution)
        UnitFactory(institution=institution)
    with count_queries() as context:
        response = client.get(API, {"country": country}, headers=headers)
    assert len(response.json()["items"]) == rows
    return len(context.captured_queries)


def test_list_runs_the_same_number_of_queries_for_1_and_50_rows(client, officer, count_queries):
    headers = bearer(officer)
    client.get(API, headers=headers)  # the token's first use is recorded once
    one = queries_for_list(client, count_queries, headers, 1, "PL")
    fifty = queries_for_list(client, count_queries, headers, 50, "DE")
    assert one == fifty


def test_get_one_by_slug_or_404(client, officer, institution):
    headers = bearer(officer)
    response = client.get(f"{API}/{institution.slug}", headers=headers)
    assert response.status_code == 200
    assert response.json()["schac_code"] == institution.schac_code

    missing = client.get(f"{API}/no-such-place", headers=headers)
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_staff_creates_an_institution(client, staff_user, institution):
    response = client.post(
        API,
        {**NEW, "parent": institution.slug},
        content_type="application/json",
        headers=bearer(staff_user),
    )

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "azerbaijan-national-academy-of-sciences"
    assert body["ror_id"] == "04wxnsj81"
    assert body["parent"] == institution.slug
    assert body["units"] == []
    created = Institution.objects.get(slug=body["slug"])
    assert AuditEvent.objects.get(action="institution.created").target_id == str(created.pk)


def test_non_staff_may_not_create(client, institution_admin):
    response = client.post(
        API, NEW, content_type="application/json", headers=bearer(institution_admin)
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert not Institution.objects.filter(schac_code="science.gov.az").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ror_id": "04wxnsj82"}, "ror_id", "check digits"),
        ({"country": "XX"}, "country", "“XX” is not a known country"),
        (
            {"schac_code": "kaznu.kz"},
            "schac_code",
            "An institution with this SCHAC code (domain) already exists.",
        ),
        ({"parent": "no-such-parent"}, "parent", "No institution has the slug"),
        ({"erasmus_code": "???"}, "erasmus_code", "Erasmus code"),
    ],
)
def test_invalid_creation_is_a_422_problem_naming_the_field(
    client, staff_user, changes, field, message
):
    InstitutionFactory(schac_code="kaznu.kz")

    response = client.post(
        API, {**NEW, **changes}, content_type="application/json", headers=bearer(staff_user)
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert message in " ".join(response.json()["errors"][field])
    assert Institution.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_admin_patches_only_the_given_fields(client, institution_admin, institution):
    response = client.patch(
        f"{API}/{institution.slug}",
        {"city": "Almaty", "names": {"kk": "Әл-Фараби атындағы ҚазҰУ"}},
        content_type="application/json",
        headers=bearer(institution_admin),
    )

    assert response.status_code == 200
    assert response.json()["city"] == "Almaty"
    institution.refresh_from_db()
    assert institution.names == {"kk": "Әл-Фараби атындағы ҚазҰУ"}
    assert institution.name == "Al-Farabi Kazakh National University"
    event = AuditEvent.objects.get(action="institution.updated")
    assert event.changes == {"names": [{}, {"kk": "Әл-Фараби атындағы ҚазҰУ"}]}


def test_non_admin_patch_is_403_and_changes_nothing(client, officer, institution):
    response = client.patch(
        f"{API}/{institution.slug}",
        {"name": "Taken over"},
        content_type="application/json",
        headers=bearer(officer),
    )
    assert response.status_code == 403
    institution.refresh_from_db()
    assert institution.name == "Al-Farabi Kazakh National University"
    assert not AuditEvent.objects.exists()


def test_invalid_patch_is_422_and_changes_nothing(client, staff_user, institution, partner):
    response = client.patch(
        f"{API}/{institution.slug}",
        {"name": "Renamed", "schac_code": partner.schac_code},
        content_type="application/json",
        headers=bearer(staff_user),
    )
    assert response.status_code == 422
    institution.refresh_from_db()
    assert institution.name == "Al-Farabi Kazakh National University"


def test_patch_with_null_clears_the_parent(client, staff_user, institution, partner):
    institution.parent = partner
    institution.save()
    response = client.patch(
        f"{API}/{institution.slug}",
        {"parent": None},
        content_type="application/json",
        headers=bearer(staff_user),
    )
    assert response.status_code == 200
    assert response.json()["parent"] is None


def test_the_openapi_document_describes_the_institution_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths[API]) == {"get", "post"}
    assert set(paths[API + "/{slug}"]) == {"get", "patch"}


def test_names_in_other_scripts_are_written_as_they_are(client, officer, institution):
    institution.names = {"ru": "Казахский национальный университет"}
    institution.save()

    response = client.get(f"{API}/{institution.slug}", headers=bearer(officer))

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Казахский национальный университет".encode() in response.content
    assert b"\\u" not in response.content
