"""On a phone's width every page fits the screen: wide tables scroll in their own box, the page
itself never scrolls sideways."""

import pytest
from django.conf import settings
from django.core.management import call_command

from accord.agreements.models import Agreement
from accord.centers.models import Facility
from accord.institutions.models import Institution
from accord.mobility.models import Mobility
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390


def test_an_officers_pages_fit_a_phone_screen(new_page):
    call_command("demo", verbosity=0)
    kaznu = Institution.objects.get(slug="al-farabi-kazakh-national-university")
    facility = Facility.objects.filter(center__institution=kaznu).order_by("pk").first()
    assert facility is not None
    memorandum = Agreement.objects.filter(parties__institution=kaznu).order_by("pk").first()
    assert memorandum is not None
    # A mobility page: its person's details (labels beside long e-mail addresses) once pushed
    # the page wide.
    mobility = Mobility.objects.filter(home_institution=kaznu).order_by("pk").first()
    assert mobility is not None
    paths = [
        "/",
        "/agreements/",
        f"/agreements/{memorandum.pk}/",
        "/institutions/",
        f"/institutions/{kaznu.slug}/",
        "/mobility/",
        f"/mobility/{mobility.pk}/",
        "/analytics/mobility/",
        "/centers/",
        f"/centers/{facility.center.slug}/",
        f"/centers/facilities/{facility.pk}/",
        f"/centers/facilities/{facility.pk}/schedule/",
        "/centers/bookings/",
        "/accounts/profile/",
        f"/p/{kaznu.slug}/",
    ]
    page = new_page()
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    log_in(page, "kaznu-officer", settings.ACCORD_DEMO_PASSWORD)

    too_wide = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            too_wide[path] = width

    assert too_wide == {}
