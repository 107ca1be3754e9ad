"""Pages meet WCAG 2.1 A and AA as axe-core checks them (contrast, labels, names, landmarks
and the rest it can tell from the page), for an officer and for an anonymous visitor."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accord.centers.models import Facility
from accord.institutions.models import Institution
from accord.mobility.models import Mobility
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """(tags) => axe.run(document, {runOnly: tags}).then((result) =>
  result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`))"""


def violations(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("networkidle")
    page.evaluate(AXE)
    return page.evaluate(RUN_AXE, RULES)


def test_an_officers_pages_pass_the_wcag_checks(new_page):
    call_command("demo", verbosity=0)
    kaznu = Institution.objects.get(slug="al-farabi-kazakh-national-university")
    facility = Facility.objects.filter(center__institution=kaznu).order_by("pk").first()
    mobility = Mobility.objects.filter(home_institution=kaznu).order_by("pk").first()
    assert facility is not None and mobility is not None
    page = new_page()
    log_in(page, "kaznu-officer", settings.ACCORD_DEMO_PASSWORD)
    paths = [
        "/",
        "/agreements/",
        "/agreements/new/",
        f"/institutions/{kaznu.slug}/",
        "/mobility/",
        "/mobility/new/",
        f"/mobility/{mobility.pk}/",
        "/analytics/mobility/",
        f"/centers/{facility.center.slug}/",
        f"/centers/facilities/{facility.pk}/",
        f"/centers/facilities/{facility.pk}/schedule/",
        "/accounts/profile/",
    ]  # not /api/v1/docs: Swagger UI draws that page, with contrast and nesting of its own

    found = {path: violations(page, path) for path in paths}

    assert {path: found for path, found in found.items() if found} == {}


def test_public_pages_pass_the_wcag_checks(new_page):
    call_command("demo", verbosity=0)
    page = new_page()

    found = {
        path: violations(page, path)
        for path in ("/accounts/login/", "/p/al-farabi-kazakh-national-university/")
    }

    assert {path: found for path, found in found.items() if found} == {}
