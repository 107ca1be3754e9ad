"""The mobility imports API: upload, status, report and list, under the pages' rules."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.mobility.models import ImportStatus, Mobility, MobilityImport
from tests.api.test_institutions_api import bearer
from tests.factories import InstitutionFactory, MembershipFactory
from tests.mobility.test_import import csv_bytes, good_row

pytestmark = pytest.mark.django_db

API = "/api/v1/mobility-imports"


@pytest.fixture
def kaznu(db):
    return InstitutionFactory(name="KazNU", slug="kaznu", schac_code="kaznu.kz")


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(name="University of Warsaw", country="PL", schac_code="uw.edu.pl")


@pytest.fixture
def officer_headers(kaznu):
    return bearer(MembershipFactory(institution=kaznu, role="officer").user)


def post_file(client, headers, institution, data, capture, name="m.csv"):
    with capture(execute=True):
        return client.post(
            f"{API}/",
            {"institution": institution, "file": SimpleUploadedFile(name, data)},
            headers=headers,
        )


def test_upload_of_a_good_file_is_accepted_and_imported(
    client, kaznu, warsaw, officer_headers, django_capture_on_commit_callbacks
):
    data = csv_bytes(good_row(n) for n in range(1, 4))

    response = post_file(client, officer_headers, "kaznu", data, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    body = response.json()
    assert (body["institution"], body["file_name"], body["status"]) == ("kaznu", "m.csv", "queued")
    status = client.get(f"{API}/{body['id']}", headers=officer_headers).json()
    assert status["status"] == "succeeded"
    assert (status["rows_total"], status["rows_done"], status["created_count"]) == (3, 3, 3)
    assert Mobility.objects.count() == 3


def test_report_names_each_bad_row_and_field(
    client, kaznu, warsaw, officer_headers, django_capture_on_commit_callbacks
):
    rows = [good_row(1, eqf_level="12"), good_row(2, birth_date="2099-01-01")]
    response = post_file(
        client, officer_headers, "kaznu", csv_bytes(rows), django_capture_on_commit_callbacks
    )
    import_id = response.json()["id"]

    status = client.get(f"{API}/{import_id}", headers=officer_headers).json()
    report = client.get(status["report_url"], headers=officer_headers).json()

    assert (status["status"], status["error_count"]) == ("failed", 2)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (2, "eqf_level"),
        (3, "birth_date"),
    ]
    assert Mobility.objects.count() == 0


def test_upload_of_a_file_that_is_not_a_workbook_is_422(
    client, kaznu, officer_headers, django_capture_on_commit_callbacks
):
    response = post_file(
        client,
        officer_headers,
        "kaznu",
        b"plain text",
        django_capture_on_commit_callbacks,
        name="m.xlsx",
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "not an Excel workbook" in response.json()["errors"]["file"][0]


def test_upload_for_another_institution_is_forbidden(
    client, kaznu, warsaw, officer_headers, django_capture_on_commit_callbacks
):
    response = post_file(
        client,
        officer_headers,
        warsaw.slug,
        csv_bytes([good_row(1)]),
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert MobilityImport.objects.count() == 0


def test_upload_for_an_unknown_institution_is_422(
    client, officer_headers, django_capture_on_commit_callbacks
):
    response = post_file(
        client, officer_headers, "nowhere", b"x", django_capture_on_commit_callbacks
    )
    assert response.status_code == 422
    assert "institution" in response.json()["errors"]


def test_another_institutions_import_is_404(client, kaznu, warsaw):
    mobility_import = MobilityImport.objects.create(institution=warsaw, original_name="w.csv")
    headers = bearer(MembershipFactory(institution=kaznu, role="officer").user)

    for path in (f"{API}/{mobility_import.pk}", f"{API}/{mobility_import.pk}/report"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert client.get(f"{API}/", headers=headers).json()["count"] == 0


def test_the_api_needs_authentication(client):
    assert client.get(f"{API}/").status_code == 401


@pytest.mark.parametrize("size", [1, 25])
def test_list_runs_the_same_queries_for_one_import_or_a_page(
    client, kaznu, officer_headers, count_queries, size
):
    for number in range(size):
        MobilityImport.objects.create(
            institution=kaznu, original_name=f"{number}.csv", status=ImportStatus.SUCCEEDED
        )

    with count_queries() as queries:
        response = client.get(f"{API}/", headers=officer_headers)

    assert len(response.json()["items"]) == size
    # One of them looks for imports whose process stopped.
    assert len(queries.captured_queries) == 6
