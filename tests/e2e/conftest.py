import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in the test's thread; the test's own ORM
    calls are still synchronous and safe, so Django's async guard is lifted for e2e tests."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections(django_db_setup, django_db_blocker):
    """The test body's ORM calls run beside Playwright's event loop, whose context can hold
    a connection of its own that nothing closes; on PostgreSQL it would keep the test
    database from being dropped, so such connections are ended once the tests are done (not
    after each test: the next test of the process may still be holding one of them)."""
    from django.db import connection

    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def browser(_orm_beside_playwright):
    # Per test: Playwright's event loop must not outlive the test, or Django's database
    # set-up and tear-down would run inside it.
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: `make test` installs it when run as "
            "root, or: sudo apt-get install --no-install-recommends chromium"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """`new_page()` opens a fresh browser context (its own cookies) on the live server."""
    contexts = []

    def make():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def officer_pages() -> list[str]:
    """The pages of KazNU's officer that the browser checks of every page walk (over the
    demo's data): each kind of list, detail and form page, and KazNU's public page."""
    from accord.agreements.models import Agreement
    from accord.centers.models import Facility
    from accord.institutions.models import Institution
    from accord.mobility.models import Mobility

    kaznu = Institution.objects.get(slug="al-farabi-kazakh-national-university")
    agreement = Agreement.objects.filter(parties__institution=kaznu).order_by("pk").first()
    facility = Facility.objects.filter(center__institution=kaznu).order_by("pk").first()
    mobility = Mobility.objects.filter(home_institution=kaznu).order_by("pk").first()
    assert agreement is not None and facility is not None and mobility is not None
    return [
        "/",
        "/agreements/",
        f"/agreements/{agreement.pk}/",
        "/agreements/new/",
        "/institutions/",
        f"/institutions/{kaznu.slug}/",
        "/mobility/",
        f"/mobility/{mobility.pk}/",
        "/mobility/new/",
        "/analytics/mobility/",
        "/centers/",
        f"/centers/{facility.center.slug}/",
        f"/centers/facilities/{facility.pk}/",
        f"/centers/facilities/{facility.pk}/schedule/",
        "/centers/bookings/",
        "/accounts/profile/",
        f"/accounts/institutions/{kaznu.slug}/members/",
        f"/p/{kaznu.slug}/",
    ]
