"""An officer imports a file with a bad row, reads the report, fixes the row and imports it,
then sees the new Poland flow on the map and in the Sankey chart, in Chromium."""

import pytest

from accord.mobility.models import Mobility
from tests.e2e import conftest as e2e
from tests.factories import PASSWORD, InstitutionFactory, MembershipFactory
from tests.mobility.test_import import csv_bytes, good_row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_fixes_the_reported_row_imports_the_file_and_sees_the_flow(new_page, tmp_path):
    kaznu = InstitutionFactory(
        name="Al-Farabi Kazakh National University", slug="kaznu", schac_code="kaznu.kz"
    )
    InstitutionFactory(name="University of Warsaw", country="PL", schac_code="uw.edu.pl")
    MembershipFactory(institution=kaznu, role="officer", user__username="kaznu-officer")
    rows = [good_row(n) for n in range(1, 31)]
    rows[11]["end_date"] = "2025-01-31"
    bad_file = tmp_path / "students.csv"
    bad_file.write_bytes(csv_bytes(rows))

    page = new_page()
    e2e.log_in(page, "kaznu-officer", PASSWORD)
    page.goto("/mobility/imports/new/")
    page.set_input_files("#id_file", str(bad_file))
    page.get_by_role("button", name="Upload and import").click()

    status = page.locator("#import-status")
    status.get_by_text("Nothing was imported.").wait_for()
    assert status.locator("table tbody tr").count() == 1
    assert status.locator("tbody td").all_inner_texts() == [
        "13",
        "end_date",
        "The end cannot be before the start.",
    ]
    assert Mobility.objects.count() == 0

    rows[11]["end_date"] = "2026-01-31"
    fixed_file = tmp_path / "students-fixed.csv"
    fixed_file.write_bytes(csv_bytes(rows))
    status.get_by_role("button", name="Upload a corrected file").click()
    page.set_input_files("#id_file", str(fixed_file))
    page.get_by_role("button", name="Upload and import").click()

    page.locator("#import-status").get_by_text("All 30 rows were imported.").wait_for()
    assert Mobility.objects.filter(home_institution=kaznu, host_country="PL").count() == 30

    page.goto("/mobility/imports/")
    assert page.locator("table tbody tr").count() == 2

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.click("nav a:has-text('Flows')")
    page.wait_for_url("**/analytics/mobility/")
    destinations = page.locator("figure.flow-map[data-map=destinations]")
    sankey = page.locator("figure:has(canvas[data-flow-chart=sankey])")
    page.wait_for_selector("figure.flow-map[data-map=destinations].chart-drawn")
    page.wait_for_selector("figure.chart-drawn:has(canvas[data-flow-chart=sankey])")
    destinations.locator("summary").click()
    poland = destinations.locator("tbody tr").first
    assert poland.locator("th").inner_text() == "Poland"
    assert "30" in poland.inner_text()
    sankey.locator("summary").click()
    first_flow = sankey.locator("tbody tr").first.inner_text().split("\t")
    assert first_flow[:3] == ["Kazakhstan", "Poland", "30"]
    assert errors == []
