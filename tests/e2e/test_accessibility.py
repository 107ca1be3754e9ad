"""Pages meet WCAG 2.1 A and AA as axe-core checks them (contrast, labels, names, landmarks
and the rest it can tell from the page), for an officer and for an anonymous visitor."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.e2e.conftest import log_in, officer_pages

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
    page = new_page()
    log_in(page, "kaznu-officer", settings.ACCORD_DEMO_PASSWORD)
    # Not /api/v1/docs: Swagger UI draws that page, with contrast and nesting of its own.
    paths = officer_pages()

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
