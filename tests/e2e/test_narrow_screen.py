"""On a phone's width every page fits the screen: wide tables scroll in their own box, the page
itself never scrolls sideways."""

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.e2e.conftest import log_in, officer_pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390


def test_an_officers_pages_fit_a_phone_screen(new_page):
    call_command("demo", verbosity=0)
    # Among them a mobility's page: its person's details (labels beside long e-mail
    # addresses) once pushed the page wide.
    paths = officer_pages()
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
