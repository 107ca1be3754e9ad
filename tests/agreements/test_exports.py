"""CSV and XLSX exports hold exactly the rows the filtered list shows, safe for spreadsheets."""

import csv
import datetime as dt
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accord.agreements.models import AgreementStatus, ProvisionKind
from accord.core.exports import neutralise
from tests.factories import AgreementFactory, InstitutionFactory, ProvisionFactory

pytestmark = pytest.mark.django_db
CSV = reverse("agreements:export_csv")
XLSX = reverse("agreements:export_xlsx")


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.fixture
def register(institution, partner):
    """Two active agreements with Poland, one draft with Poland, one active with Azerbaijan."""
    polish = InstitutionFactory(name="University of Warsaw", country="PL")
    first = AgreementFactory(
        title="Exchange with Warsaw",
        status=AgreementStatus.ACTIVE,
        parties=[institution, polish],
        tags=["students"],
        languages=["en", "pl"],
    )
    ProvisionFactory(agreement=first, kind=ProvisionKind.MOBILITY, terms={})
    second = AgreementFactory(
        title="Research with Warsaw", status=AgreementStatus.ACTIVE, parties=[institution, polish]
    )
    AgreementFactory(title="Draft with Warsaw", parties=[institution, polish])
    AgreementFactory(
        title="Memorandum with Baku", status=AgreementStatus.ACTIVE, parties=[institution, partner]
    )
    return [first, second]


def test_csv_holds_exactly_the_filtered_rows(officer_client, register):
    response = officer_client.get(CSV, {"country": "PL", "status": "active"})

    rows = csv_rows(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="agreements-')
    assert rows[0][:4] == ["Id", "Title", "Kind", "Status"]
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(a.pk for a in register)
    exchange = next(row for row in rows if row[1] == "Exchange with Warsaw")
    assert exchange[3] == "Active"
    assert exchange[4] == "Al-Farabi Kazakh National University (KZ); University of Warsaw (PL)"
    assert exchange[5] == "KZ, PL"
    assert exchange[6:8] == ["2025-01-01", "2029-12-31"]
    assert exchange[9] == "Mobility"
    assert exchange[10:12] == ["en, pl", "students"]
    # When it was added and last changed, and where to open it.
    assert rows[0][13:] == ["Created", "Last changed", "Link"]
    first = register[0]
    assert exchange[13:] == [
        f"{timezone.localtime(first.created_at).date()}",
        f"{timezone.localtime(first.updated_at).date()}",
        f"http://127.0.0.1:8000/agreements/{first.pk}/",
    ]


def test_xlsx_holds_exactly_the_filtered_rows(officer_client, register):
    response = officer_client.get(XLSX, {"country": "PL", "status": "active"})

    rows = xlsx_rows(response)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert rows[0][:2] == ["Id", "Title"]
    assert sorted(row[0] for row in rows[1:]) == sorted(a.pk for a in register)
    exchange = next(row for row in rows if row[1] == "Exchange with Warsaw")
    assert exchange[6:8] == [dt.datetime(2025, 1, 1), dt.datetime(2029, 12, 31)]
    assert isinstance(exchange[14], dt.datetime)  # a date the spreadsheet can sort by
    assert exchange[15] == f"http://127.0.0.1:8000/agreements/{register[0].pk}/"


def test_the_export_covers_every_page_not_only_the_first(officer_client, institution):
    for n in range(55):
        AgreementFactory(title=f"Agreement {n}", parties=[institution, InstitutionFactory()])

    assert len(csv_rows(officer_client.get(CSV, {"page": "1"}))) == 56
    assert len(xlsx_rows(officer_client.get(XLSX))) == 56


def test_a_formula_in_a_title_is_neutralised(officer_client, institution, partner):
    title = '=HYPERLINK("http://evil.example","Click")'
    AgreementFactory(title=title, tags=["+1", "@sum"], parties=[institution, partner])

    csv_row = csv_rows(officer_client.get(CSV))[1]
    xlsx_row = xlsx_rows(officer_client.get(XLSX))[1]

    assert csv_row[1] == "'" + title
    assert xlsx_row[1] == "'" + title
    assert csv_row[11] == "'+1, @sum"
    assert xlsx_row[11] == "'+1, @sum"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+7 727", "'+7 727"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Memorandum = MoU", "Memorandum = MoU"),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise_prefixes_only_text_a_spreadsheet_would_run(value, expected):
    assert neutralise(value) == expected


def test_export_links_on_the_list_carry_the_filters(officer_client, register):
    content = officer_client.get(
        reverse("agreements:list"), {"status": "active", "page": "1"}
    ).content.decode()

    assert f'href="{CSV}?status=active"' in content
    assert f'href="{XLSX}?status=active"' in content


def test_export_needs_a_login(client):
    response = client.get(CSV)
    assert response.status_code == 302


def test_the_export_keeps_the_lists_order(officer_client, institution, partner):
    for title, valid_to in [
        ("Ends 2027", dt.date(2027, 6, 30)),
        ("Ends 2031", dt.date(2031, 6, 30)),
    ]:
        AgreementFactory(title=title, valid_to=valid_to, parties=[institution, partner])

    newest = [row[1] for row in csv_rows(officer_client.get(CSV))[1:]]
    by_end = [row[1] for row in csv_rows(officer_client.get(CSV, {"sort": "ending"}))[1:]]
    by_end_xlsx = [row[1] for row in xlsx_rows(officer_client.get(XLSX, {"sort": "ending"}))[1:]]

    assert newest == ["Ends 2031", "Ends 2027"]
    assert by_end == by_end_xlsx == ["Ends 2027", "Ends 2031"]
