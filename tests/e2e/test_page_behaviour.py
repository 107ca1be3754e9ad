"""What pages do in the browser under the Content-Security-Policy: no page breaks it, and the
behaviour pages declare in data attributes (static/accord/app.js) works."""

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from accord.centers.models import Facility
from accord.institutions.models import Institution, Unit
from tests.e2e.conftest import log_in, officer_pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.policyViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def demo():
    call_command("demo", verbosity=0)


@pytest.fixture
def officer_page(demo, new_page):
    page = new_page()
    page.add_init_script(WATCH_VIOLATIONS)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    log_in(page, "kaznu-officer", settings.ACCORD_DEMO_PASSWORD)
    return page


def test_no_page_breaks_the_content_security_policy(officer_page):
    page = officer_page
    paths = [*officer_pages(), "/api/v1/docs"]
    broken = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.policyViolations")
        if violations or page.errors:
            broken[path] = [*violations, *page.errors]
            page.errors.clear()

    assert broken == {}
    # The API's documentation is drawn by Swagger UI served by Accord itself.
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .information-container")


def test_language_switch_partner_chips_and_enter_in_the_partner_search(officer_page):
    page = officer_page
    page.goto("/agreements/new/")
    page.fill("#partner-search", "Warsaw")
    page.press("#partner-search", "Enter")  # searches; does not send the agreement form
    option = page.locator("#partner-results label", has_text="University of Warsaw").filter(
        has_not_text="Technology"
    )
    option.locator("input").check()

    chip = page.locator("#selected-partners label.chip", has_text="University of Warsaw")
    assert page.url.endswith("/agreements/new/")
    assert chip.count() == 1
    assert chip.locator(".detail").count() == 0

    page.select_option("select[name=language]", "ru")
    page.wait_for_function("document.documentElement.lang === 'ru'")
    assert page.locator("h1").inner_text() == "Новое соглашение"


def test_removing_a_unit_asks_first(officer_page):
    page = officer_page
    kaznu = Institution.objects.get(slug="al-farabi-kazakh-national-university")
    unit = Unit.objects.create(institution=kaznu, name="Laboratory of Turkic Manuscripts")
    remove = page.locator(f"form[action$='/units/{unit.pk}/remove/'] button[type=submit]")
    page.goto(f"/institutions/{kaznu.slug}/")

    page.once("dialog", lambda dialog: dialog.dismiss())
    remove.click()
    page.wait_for_timeout(300)
    assert Unit.objects.filter(pk=unit.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    page.wait_for_load_state("load")
    page.wait_for_function(f"!document.querySelector(\"form[action$='/units/{unit.pk}/remove/']\")")
    assert not Unit.objects.filter(pk=unit.pk).exists()


def test_a_new_tokens_copy_button_copies_it(officer_page):
    page = officer_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/accounts/profile/")
    page.fill("form.token-form input[name=name]", "Reporting")
    page.click("form.token-form button[type=submit]")
    secret = page.input_value("#new-token")

    page.click("button[data-copy=new-token]")

    # The label changes once the clipboard has taken the text, which is asynchronous.
    expect(page.locator("button[data-copy=new-token]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret


def test_the_host_institution_field_suggests_institutions_as_one_types(officer_page):
    page = officer_page
    page.goto("/mobility/new/")
    page.locator("input[list=mobility-institution-options]").last.type("Warsa")

    options = page.locator("#mobility-institution-options option")
    options.first.wait_for(state="attached")
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert "uw.edu.pl" in values  # the University of Warsaw, by its SCHAC code


def test_the_usage_year_is_shown_as_soon_as_it_is_chosen(officer_page):
    page = officer_page
    kaznu = Institution.objects.get(slug="al-farabi-kazakh-national-university")
    facility = Facility.objects.filter(center__institution=kaznu).order_by("pk").first()
    assert facility is not None
    page.goto(f"/centers/{facility.center.slug}/")
    year = page.locator("select[name=year]")
    other = year.locator("option:not([selected])").first.get_attribute("value")

    year.select_option(other)

    page.wait_for_url(f"**year={other}**")
    assert page.locator("#usage h2").inner_text().endswith(other)
