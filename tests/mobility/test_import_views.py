"""The import pages: upload, progress and report, past imports, who may see and start them."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accord.core.models import AuditEvent
from accord.mobility.importer.layout import COLUMN_NAMES
from accord.mobility.models import ImportStatus, Mobility, MobilityImport
from tests.factories import InstitutionFactory, MembershipFactory
from tests.mobility.test_import import csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db
LIST = reverse("mobility:import_list")
NEW = reverse("mobility:import_create")


@pytest.fixture
def kaznu(db):
    return InstitutionFactory(
        name="Al-Farabi Kazakh National University", slug="kaznu", schac_code="kaznu.kz"
    )


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(name="University of Warsaw", country="PL", schac_code="uw.edu.pl")


@pytest.fixture
def kaznu_officer(kaznu):
    return MembershipFactory(institution=kaznu, role="officer", user__username="kaznu-officer").user


@pytest.fixture
def officer_client(client, kaznu_officer):
    client.force_login(kaznu_officer)
    return client


def upload(client, institution, data: bytes, name="mobilities.csv", capture=None):
    file = SimpleUploadedFile(name, data)
    with capture(execute=True):
        return client.post(NEW, {"institution": institution.slug, "file": file})


def test_upload_of_a_good_file_imports_it_in_the_background(
    officer_client, kaznu, warsaw, django_capture_on_commit_callbacks
):
    data = csv_bytes(good_row(n) for n in range(1, 6))

    response = upload(officer_client, kaznu, data, capture=django_capture_on_commit_callbacks)

    mobility_import = MobilityImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == mobility_import.get_absolute_url()
    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.SUCCEEDED
    assert (mobility_import.rows_total, mobility_import.rows_done) == (5, 5)
    assert mobility_import.created_count == 5
    assert Mobility.objects.filter(home_institution=kaznu).count() == 5
    assert AuditEvent.objects.filter(action="mobility.import").count() == 1

    page = officer_client.get(response["Location"]).content.decode()
    assert "All 5 rows were imported." in page
    assert "data-hx-trigger" not in page


def test_upload_with_a_bad_row_shows_the_report_and_imports_nothing(
    officer_client, kaznu, warsaw, django_capture_on_commit_callbacks
):
    rows = [good_row(1), good_row(2, host_institution="nowhere.example"), good_row(3)]

    response = upload(
        officer_client, kaznu, csv_bytes(rows), capture=django_capture_on_commit_callbacks
    )

    page = officer_client.get(response["Location"]).content.decode()
    assert "Nothing was imported." in page
    assert '<td class="num">3</td><td><code>host_institution</code></td>' in page
    assert Mobility.objects.count() == 0
    assert MobilityImport.objects.get().status == ImportStatus.FAILED
    assert not AuditEvent.objects.filter(action="mobility.import").exists()

    mobility_import = MobilityImport.objects.get()
    report = officer_client.get(reverse("mobility:import_report_csv", args=[mobility_import.pk]))
    rows_out = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows_out[1][:2] == ["3", "host_institution"]


def test_report_is_written_in_the_uploaders_language(
    client, kaznu, warsaw, django_capture_on_commit_callbacks
):
    officer = MembershipFactory(institution=kaznu, role="officer", user__language="ru").user
    client.force_login(officer)
    rows = [good_row(1, end_date="2020-01-01")]

    upload(client, kaznu, csv_bytes(rows), capture=django_capture_on_commit_callbacks)

    (error,) = MobilityImport.objects.get().report["errors"]
    assert error["field"] == "end_date"
    assert error["message"] == "Окончание не может быть раньше начала."


def test_running_import_page_polls_its_progress(officer_client, kaznu):
    mobility_import = MobilityImport.objects.create(
        institution=kaznu,
        original_name="big.csv",
        status=ImportStatus.RUNNING,
        rows_total=200_000,
        rows_done=50_000,
    )
    status_url = reverse("mobility:import_status", args=[mobility_import.pk])

    page = officer_client.get(mobility_import.get_absolute_url()).content.decode()
    fragment = officer_client.get(status_url).content.decode()

    assert f'data-hx-get="{status_url}"' in page
    assert "50,000 of 200,000 rows checked (25%)." in fragment
    assert '<progress value="50000" max="200000"' in fragment


def test_upload_refuses_other_files_at_once(
    officer_client, kaznu, django_capture_on_commit_callbacks
):
    response = upload(
        officer_client,
        kaznu,
        b"%PDF-1.4",
        name="scan.pdf",
        capture=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert "Upload a .csv or .xlsx file" in response.content.decode()

    response = upload(
        officer_client,
        kaznu,
        b"not a zip",
        name="m.xlsx",
        capture=django_capture_on_commit_callbacks,
    )
    assert "not an Excel workbook" in response.content.decode()
    assert MobilityImport.objects.count() == 0


def test_upload_over_the_size_limit_is_refused(
    officer_client, kaznu, settings, django_capture_on_commit_callbacks
):
    settings.ACCORD_MOBILITY_IMPORT_MAX_BYTES = 100 * 1024
    data = csv_bytes(good_row(n) for n in range(1, 1000))

    response = upload(officer_client, kaznu, data, capture=django_capture_on_commit_callbacks)

    assert "at most 100.0\xa0KB may be uploaded" in response.content.decode()
    assert MobilityImport.objects.count() == 0


def test_xlsx_upload_is_imported(officer_client, kaznu, warsaw, django_capture_on_commit_callbacks):
    upload(
        officer_client,
        kaznu,
        xlsx_bytes([good_row(1)]),
        name="m.xlsx",
        capture=django_capture_on_commit_callbacks,
    )
    assert Mobility.objects.count() == 1


def test_officer_cannot_import_for_another_institution(
    officer_client, warsaw, django_capture_on_commit_callbacks
):
    response = upload(
        officer_client, warsaw, csv_bytes([good_row(1)]), capture=django_capture_on_commit_callbacks
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert MobilityImport.objects.count() == 0


def test_researcher_may_not_open_the_upload_page(client, kaznu):
    researcher = MembershipFactory(institution=kaznu, role="researcher").user
    client.force_login(researcher)

    assert client.get(NEW).status_code == 403


def test_another_institutions_import_is_not_found(client, kaznu, warsaw):
    mobility_import = MobilityImport.objects.create(institution=kaznu, original_name="m.csv")
    stranger = MembershipFactory(institution=warsaw, role="officer").user
    client.force_login(stranger)

    for name in ("import_detail", "import_status", "import_report_csv"):
        assert client.get(reverse(f"mobility:{name}", args=[mobility_import.pk])).status_code == 404
    assert list(client.get(LIST).context["page"].object_list) == []


def test_platform_staff_see_every_import(client, staff_user, kaznu, warsaw):
    MobilityImport.objects.create(institution=kaznu, original_name="a.csv")
    MobilityImport.objects.create(institution=warsaw, original_name="b.csv")
    client.force_login(staff_user)

    names = [item.original_name for item in client.get(LIST).context["page"].object_list]

    assert names == ["b.csv", "a.csv"]


def test_list_needs_a_login(client):
    response = client.get(LIST)
    assert response.status_code == 302


@pytest.mark.parametrize("size", [1, 25])
def test_list_runs_the_same_queries_for_one_import_or_a_page(
    officer_client, kaznu, kaznu_officer, count_queries, size
):
    for number in range(size):
        MobilityImport.objects.create(
            institution=kaznu, original_name=f"{number}.csv", created_by=kaznu_officer
        )
    officer_client.get(LIST)  # the session is read and cached

    with count_queries() as queries:
        response = officer_client.get(LIST)

    assert len(response.context["page"].object_list) == size
    assert len(queries.captured_queries) == 6


def test_upload_page_preselects_the_only_institution(officer_client, kaznu):
    response = officer_client.get(NEW)

    assert response.context["form"]["institution"].value() == "kaznu"
    page = response.content.decode()
    assert reverse("mobility:import_template_xlsx") in page
    assert "external_id" in page


def test_template_downloads_hold_the_layout(client):
    csv_response = client.get(reverse("mobility:import_template_csv"))
    xlsx_response = client.get(reverse("mobility:import_template_xlsx"))

    header = next(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    workbook = load_workbook(io.BytesIO(xlsx_response.content), read_only=True)
    first_row = next(workbook.worksheets[0].iter_rows(values_only=True))
    assert header == list(COLUMN_NAMES)
    assert list(first_row) == list(COLUMN_NAMES)
    assert "attachment" in xlsx_response["Content-Disposition"]


def test_import_whose_file_is_gone_fails_with_a_message(kaznu):
    from accord.mobility.import_tasks import run_mobility_import

    mobility_import = MobilityImport.objects.create(
        institution=kaznu, original_name="m.csv", file="mobility-imports/1/gone.csv"
    )

    run_mobility_import.enqueue(mobility_import.pk)

    mobility_import.refresh_from_db()
    assert mobility_import.status == ImportStatus.FAILED
    assert mobility_import.report["errors"][0]["message"] == (
        "The uploaded file is no longer stored; upload it again."
    )


def test_running_a_finished_import_again_changes_nothing(
    officer_client, kaznu, warsaw, django_capture_on_commit_callbacks
):
    from accord.mobility.import_tasks import run_mobility_import

    upload(
        officer_client,
        kaznu,
        csv_bytes(good_row(n) for n in range(1, 4)),
        capture=django_capture_on_commit_callbacks,
    )
    mobility_import = MobilityImport.objects.get()

    run_mobility_import.enqueue(mobility_import.pk)

    mobility_import.refresh_from_db()
    assert (mobility_import.status, mobility_import.created_count) == (ImportStatus.SUCCEEDED, 3)
    assert Mobility.objects.count() == 3
    assert AuditEvent.objects.filter(action="mobility.import").count() == 1
