import io
import json

import pytest
from django.core.management import CommandError, call_command

from accord.core.models import AuditEvent
from accord.institutions.importer import (
    BATCH_SIZE,
    DEFAULT_FILE,
    SkippedRow,
    import_institutions,
    load_rows,
)
from accord.institutions.models import Institution
from accord.institutions.services import institution_update
from tests.factories import InstitutionFactory
from tests.queries import insert_queries

pytestmark = pytest.mark.django_db


def row(name, domain, country="KZ", web="https://www.example.edu/", **extra):
    return {
        "name": name,
        "domains": [domain] if domain is not None else [],
        "web_pages": [web] if web else [],
        "country": "Somewhere",
        "alpha_two_code": country,
        "state-province": None,
        **extra,
    }


GOOD_ROWS = [
    row("Al-Farabi Kazakh National University", "kaznu.kz", web="http://www.kaznu.kz/"),
    row("Azerbaijan University", "au.edu.az", country="AZ"),
    row("Azerbaijan University", "student.au.edu.az", country="AZ"),
    row("University of Warsaw", "UW.edu.pl", country="pl"),
]


def write(tmp_path, rows) -> str:
    path = tmp_path / "institutions.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return str(path)


def run(*args) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_import_creates_institutions_with_slugs_and_one_audit_event_each():
    report = import_institutions(GOOD_ROWS, source="test.json")

    assert (report.created, report.updated, report.unchanged, report.skipped) == (4, 0, 0, [])
    warsaw = Institution.objects.get(schac_code="uw.edu.pl")
    assert (warsaw.country.code, warsaw.kind, warsaw.website) == (
        "PL",
        "university",
        "https://www.example.edu/",
    )
    assert warsaw.search_text == "university of warsaw"
    assert sorted(Institution.objects.filter(country="AZ").values_list("slug", flat=True)) == [
        "azerbaijan-university",
        "azerbaijan-university-2",
    ]
    events = AuditEvent.objects.filter(action="institution.imported")
    assert events.count() == 4
    event = events.get(target_id=str(warsaw.pk))
    assert event.changes["schac_code"] == [None, "uw.edu.pl"]
    assert event.changes["source"] == "test.json"


def test_running_the_same_import_again_changes_nothing():
    import_institutions(GOOD_ROWS)
    before = list(Institution.objects.order_by("id").values())
    events = AuditEvent.objects.count()

    report = import_institutions(GOOD_ROWS)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert list(Institution.objects.order_by("id").values()) == before
    assert AuditEvent.objects.count() == events


def test_a_changed_row_updates_the_institution_matched_by_domain(staff_user):
    import_institutions(GOOD_ROWS[:1])
    kaznu = Institution.objects.get(schac_code="kaznu.kz")
    changed = row("Al-Farabi University", "kaznu.kz", web="https://www.kaznu.kz/")

    report = import_institutions([changed], actor=staff_user)

    assert (report.created, report.updated, report.unchanged, report.kept) == (0, 1, 0, 0)
    kaznu.refresh_from_db()
    assert (kaznu.name, kaznu.website) == ("Al-Farabi University", "https://www.kaznu.kz/")
    assert kaznu.search_text == "al-farabi university"
    event = AuditEvent.objects.get(action="institution.updated")
    assert event.actor == staff_user
    assert event.changes == {
        "name": ["Al-Farabi Kazakh National University", "Al-Farabi University"],
        "website": ["http://www.kaznu.kz/", "https://www.kaznu.kz/"],
    }


def test_an_edit_made_in_accord_survives_a_new_import(staff_user):
    import_institutions(GOOD_ROWS[:1])
    kaznu = Institution.objects.get(schac_code="kaznu.kz")
    institution_update(actor=staff_user, institution=kaznu, name="KazNU", city="Almaty")
    changed = row("Al-Farabi University", "kaznu.kz", web="https://www.kaznu.kz/")

    report = import_institutions([changed])

    assert (report.updated, report.unchanged, report.kept) == (1, 0, 1)
    kaznu.refresh_from_db()
    assert (kaznu.name, kaznu.city) == ("KazNU", "Almaty")
    # The website was not edited here, so it follows the list.
    assert kaznu.website == "https://www.kaznu.kz/"
    update = AuditEvent.objects.filter(action="institution.updated").order_by("id").last()
    assert update.changes == {"website": ["http://www.kaznu.kz/", "https://www.kaznu.kz/"]}

    again = import_institutions([changed])

    assert (again.updated, again.unchanged, again.kept) == (0, 1, 1)
    kaznu.refresh_from_db()
    assert kaznu.name == "KazNU"


def test_a_website_emptied_in_accord_stays_empty(staff_user):
    import_institutions(GOOD_ROWS[:1])
    kaznu = Institution.objects.get(schac_code="kaznu.kz")
    institution_update(actor=staff_user, institution=kaznu, website="")

    report = import_institutions(GOOD_ROWS[:1])

    assert (report.updated, report.unchanged, report.kept) == (0, 1, 1)
    kaznu.refresh_from_db()
    assert kaznu.website == ""


def test_an_institution_made_by_hand_keeps_its_values_and_gets_what_it_lacks(staff_user):
    existing = InstitutionFactory(
        name="KazNU", schac_code="kaznu.kz", country="KZ", names={"ru": "КазНУ"}, website=""
    )

    report = import_institutions(GOOD_ROWS[:1], actor=staff_user)

    assert (report.created, report.updated, report.kept) == (0, 1, 1)
    existing.refresh_from_db()
    assert (existing.name, existing.names) == ("KazNU", {"ru": "КазНУ"})
    assert existing.website == "http://www.kaznu.kz/"
    assert AuditEvent.objects.get(action="institution.updated").changes == {
        "website": ["", "http://www.kaznu.kz/"]
    }
    assert existing.imported == {
        "name": "Al-Farabi Kazakh National University",
        "country": "KZ",
        "website": "http://www.kaznu.kz/",
    }


def test_a_university_listed_under_its_students_domain_first_takes_its_own_domain():
    listed = row("Wroclaw Akademia Biznesu", None, country="PL")
    listed["domains"] = ["student.wab.edu.pl", "wab.edu.pl"]
    other = row("Liège", None, country="BE")
    other["domains"] = ["student.uliege.be", "helpnet.uliege.be", "uliege.be"]
    unrelated = row("Kharkiv", None, country="UA")
    unrelated["domains"] = ["karazin.ua", "univer.kharkov.ua"]

    import_institutions([listed, other, unrelated])

    assert sorted(Institution.objects.values_list("schac_code", flat=True)) == [
        "karazin.ua",
        "uliege.be",
        "wab.edu.pl",
    ]


def test_an_institution_imported_under_its_students_domain_is_still_found():
    student_domain = row("Wroclaw Akademia Biznesu", "student.wab.edu.pl", country="PL")
    import_institutions([student_domain])
    both = row("Wroclaw Akademia Biznesu", None, country="PL")
    both["domains"] = ["student.wab.edu.pl", "wab.edu.pl"]

    done: list[int] = []

    report = import_institutions([both, student_domain], on_progress=done.append)

    assert sum(done) == 2  # the progress bar ends full
    assert (report.created, report.unchanged) == (0, 1)
    assert report.skipped == [
        SkippedRow(2, "Wroclaw Akademia Biznesu", "an earlier row names the same institution")
    ]
    # Its code stays: partners may know the institution by it.
    assert list(Institution.objects.values_list("schac_code", flat=True)) == ["student.wab.edu.pl"]


def test_the_migration_records_what_earlier_imports_gave():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accord.institutions.migrations.0004_institution_imported")
    import_institutions(GOOD_ROWS[:2])
    Institution.objects.update(imported={})
    kaznu = Institution.objects.get(schac_code="kaznu.kz")
    Institution.objects.filter(pk=kaznu.pk).update(name="KazNU")
    made_by_hand = InstitutionFactory(schac_code="hand.example.edu")

    migration.record_what_the_list_gave(apps, None)

    assert Institution.objects.get(pk=kaznu.pk).imported == {
        "name": "Al-Farabi Kazakh National University",
        "country": "KZ",
        "website": "http://www.kaznu.kz/",
    }
    assert Institution.objects.get(schac_code="au.edu.az").imported["website"] == (
        "https://www.example.edu/"
    )
    made_by_hand.refresh_from_db()
    assert made_by_hand.imported == {}
    # KazNU's name was edited: a new import keeps it.
    assert import_institutions(GOOD_ROWS[:1]).kept == 1
    assert Institution.objects.get(pk=kaznu.pk).name == "KazNU"


def test_bad_rows_are_reported_by_number_and_reason_and_not_imported():
    rows = [
        row("Good University", "good.edu"),
        row("", "noname.edu"),
        row("Nowhere University", "nowhere.edu", country="XX"),
        row("No Country University", "nocountry.edu", country=""),
        row("Bad Domain University", "bad domain.edu"),
        row("No Domain University", None),
        row("Copy University", "GOOD.edu"),
        "not an object",
        row("Bad Web University", "badweb.edu", web="not a url"),
        row("Long " * 80, "long.edu"),
    ]

    report = import_institutions(rows)

    assert report.created == 1
    assert [(skipped.row, skipped.reason) for skipped in report.skipped] == [
        (2, "the name is missing"),
        (3, "unknown country code “XX”"),
        (4, "the country code is missing"),
        (
            5,
            "invalid domain “bad domain.edu”: "
            "“bad domain” is not a valid part of an internet domain: use letters a-z, digits "
            "and inner hyphens, 1 to 63 characters.",
        ),
        (6, "no domain"),
        (7, "duplicate domain “good.edu” (already in row 1)"),
        (8, "not an object with name, domains and alpha_two_code"),
        (9, "invalid web page “not a url”"),
        (10, "the name is longer than 300 characters"),
    ]
    assert list(Institution.objects.values_list("schac_code", flat=True)) == ["good.edu"]


def test_command_prints_skipped_rows_and_counts(tmp_path):
    path = write(tmp_path, [*GOOD_ROWS, row("Nowhere University", "nowhere.edu", country="XX")])

    stdout, stderr = run("institutions", path)

    assert "row 5 (Nowhere University): skipped, unknown country code “XX”" in stdout
    assert "5 rows: 4 created, 0 updated, 0 unchanged, 1 skipped" in stdout
    assert stderr == ""  # no progress bar when stderr is not a terminal

    stdout, _ = run("institutions", path)
    assert "5 rows: 0 created, 0 updated, 4 unchanged, 1 skipped (" in stdout

    Institution.objects.filter(schac_code="kaznu.kz").update(name="KazNU")
    stdout, _ = run("institutions", path)
    assert "0 updated, 4 unchanged, 1 skipped, 1 kept edits made in Accord (" in stdout


def test_command_draws_the_progress_bar_when_forced(tmp_path):
    _, stderr = run("institutions", write(tmp_path, GOOD_ROWS), "--progress")
    assert stderr.endswith("\rImporting institutions  [##############################]  4/4\n")


def test_dry_run_reports_without_changing_anything(tmp_path):
    stdout, _ = run("institutions", write(tmp_path, GOOD_ROWS), "--dry-run")
    assert "4 created" in stdout
    assert "Dry run: nothing was changed." in stdout
    assert not Institution.objects.exists()
    assert not AuditEvent.objects.exists()


def test_command_accepts_only_known_kinds_of_data():
    with pytest.raises(CommandError, match="invalid choice: 'conferences'"):
        run("conferences")


def test_command_explains_unreadable_files(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("institutions", str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('[{"name": ', encoding="utf-8")
    with pytest.raises(CommandError, match=r"not valid JSON \(line 1"):
        run("institutions", str(broken))
    broken.write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(CommandError, match="expected a JSON list"):
        run("institutions", str(broken))


def test_the_shipped_file_imports_in_batches_and_only_known_bad_rows_are_skipped(count_queries):
    rows = load_rows(DEFAULT_FILE)

    with count_queries() as queries:
        report = import_institutions(rows)

    inserts = [query for query in queries.captured_queries if query["sql"].startswith("INSERT")]
    batches = [
        min(BATCH_SIZE, report.created - start) for start in range(0, report.created, BATCH_SIZE)
    ]
    assert len(inserts) == sum(
        insert_queries(model, rows) for rows in batches for model in (Institution, AuditEvent)
    )
    # The reads: the institutions already there, their slugs, the audit's content type.
    assert len(queries.captured_queries) - len(inserts) <= 6
    assert report.total == len(rows) > 10000
    assert report.created + len(report.skipped) == report.total
    assert Institution.objects.count() == report.created
    assert AuditEvent.objects.filter(action="institution.imported").count() == report.created
    assert all(
        skipped.reason.startswith(("unknown country code", "duplicate domain"))
        for skipped in report.skipped
    )
    assert Institution.objects.filter(schac_code="kaznu.kz").exists()
