"""An officer records a new agreement from first draft to its public page, in Chromium."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command

from accord.agreements.models import Agreement, AgreementStatus
from tests.e2e.conftest import log_in
from tests.factories import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Student and staff exchange between KazNU and the University of Warsaw 2027-2032"


@pytest.fixture
def demo():
    call_command("demo", verbosity=0)


def test_officer_takes_an_agreement_from_draft_to_the_public_page(demo, new_page, tmp_path):
    password = settings.ACCORD_DEMO_PASSWORD
    officer = new_page()
    log_in(officer, "kaznu-officer", password)

    # Draft with a Polish partner, found by typing part of its name.
    officer.goto("/agreements/new/")
    officer.select_option("#id_kind", "bilateral_exchange")
    officer.fill("#id_title", TITLE)
    officer.fill("#id_valid_from", "2027-01-01")
    officer.fill("#id_valid_to", "2032-12-31")
    officer.check("#id_is_public")
    officer.fill("#partner-search", "Warsaw")
    officer.locator("#partner-results label", has_text="University of Warsaw").filter(
        has_not_text="Technology"
    ).locator("input").check()
    officer.click("form.agreement-form .form-actions button[type=submit]")
    officer.wait_for_url("**/agreements/*/")
    assert officer.locator("h1").inner_text() == TITLE
    agreement = Agreement.objects.get(title=TITLE)
    assert sorted(p.institution.name for p in agreement.parties.all()) == [
        "Al-Farabi Kazakh National University",
        "University of Warsaw",
    ]

    # Signed copy uploaded through the page.
    signed_pdf = tmp_path / "signed-agreement.pdf"
    signed_pdf.write_bytes(pdf_bytes())
    officer.select_option("form.upload-form select[name=kind]", "signed")
    officer.set_input_files("form.upload-form input[type=file]", str(signed_pdf))
    officer.click("form.upload-form button[type=submit]")
    officer.wait_for_load_state()
    assert officer.locator("a", has_text="signed-agreement.pdf").count() == 1

    # Negotiation, then signing: each party's own officer records its signature, and is
    # offered no form for the other's.
    for label in ("Start negotiation", "Ready for signature"):
        officer.locator("form button", has_text=label).first.click()
        officer.wait_for_load_state()
    signed_on = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    partner = new_page()
    log_in(partner, "uw-officer", password)
    kaznu, warsaw = sorted(agreement.parties.all(), key=lambda party: party.institution.name)
    for page, own, other in ((officer, kaznu, warsaw), (partner, warsaw, kaznu)):
        page.goto(f"/agreements/{agreement.pk}/")
        assert page.locator(f"form[action$='/parties/{other.pk}/sign/']").count() == 0
        page.locator(f"form[action$='/parties/{own.pk}/sign/']").locator(
            "xpath=ancestor::details"
        ).locator("summary").click()
        page.fill(f"#sign{own.pk}-name", f"Rector of {own.institution.name}")
        page.fill(f"#sign{own.pk}-date", signed_on)
        page.locator(f"form[action$='/parties/{own.pk}/sign/'] button").click()
        page.wait_for_load_state()

    officer.goto(f"/agreements/{agreement.pk}/")
    officer.locator("form button", has_text="Activate").click()
    officer.wait_for_load_state()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    officer.screenshot(path=str(tmp_path / "active-agreement.png"), full_page=True)

    # KazNU's public page lists it, to anyone.
    visitor = new_page()
    visitor.goto("/p/al-farabi-kazakh-national-university/")
    assert visitor.locator("text=" + TITLE).count() == 1

    # The partner's officer sees it; a coordinator of an institution not party to it does not.
    partner.goto("/agreements/?search=KazNU+and+the+University+of+Warsaw")
    assert partner.locator("table a", has_text=TITLE).count() == 1

    document = agreement.documents.get()
    other = new_page()
    log_in(other, "anas-coordinator", password)
    assert other.goto(f"/agreements/{agreement.pk}/documents/{document.pk}/").status == 404
    other.goto("/agreements/")
    assert other.locator("table a", has_text=TITLE).count() == 0
