"""Every page of Accord, walked from the URL configuration: a visitor who is not logged in and
a researcher of an unrelated institution reach only what is public, and nothing answers with a
server error. A page added later is checked without anyone writing a test for it."""

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accord.agreements.models import Agreement
from accord.centers.models import Booking, CenterPhoto, Facility, ResearchCenter
from accord.core.demo import demo_load
from accord.institutions.models import Institution
from accord.mobility.models import Mobility, ReturnObligation
from tests.factories import InstitutionFactory, MembershipFactory

# Routes served by other means and checked by their own tests: the admin and the API (which
# answers 401 as problem+json, tests/api).
SKIPPED = ("admin/", "api/v1/")

# Open to everyone by design.
PUBLIC = {
    "",  # the home page: a landing page for visitors
    "healthz",
    "favicon.ico",
    "accounts/login/",
    "accounts/logout/",
    "accounts/password_reset/",
    "accounts/password_reset/done/",
    "accounts/reset/<uidb64>/<token>/",
    "accounts/reset/done/",
    "accounts/invitations/<str:token>/",
    "p/",
    "p/<slug:slug>/",
    "i18n/setlang/",
    "mobility/imports/template.csv",
    "mobility/imports/template.xlsx",
    # A public research center, its facilities and photos are on the institution's public pages.
    "centers/<slug:slug>/",
    "centers/<slug:slug>/photos/<int:pk>/",
    "centers/facilities/<int:pk>/",
}

# Pages a logged-in member of any institution may read: lists of what is theirs (empty for an
# outsider), the register of institutions, forms to start something of their own.
OPEN_TO_MEMBERS = {
    "accounts/profile/",
    "accounts/password_change/",
    "accounts/password_change/done/",
    "accounts/logout/",
    "institutions/",
    "institutions/<slug:slug>/",
    "agreements/",
    "agreements/export.csv",
    "agreements/export.xlsx",
    "agreements/institution-options/",
    "mobility/",
    "mobility/export.csv",
    "mobility/mine/",
    "mobility/unit-options/",
    "mobility/imports/",
    "centers/",
    "centers/bookings/",
    "centers/bookings/feed/reset/",
    "centers/queue/",
}


def routes(patterns: list, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def all_routes() -> list[str]:
    return sorted(set(routes(get_resolver().url_patterns)))


def path_of(route: str, objects: dict[str, str]) -> str:
    """The route with its parameters filled by the demo's objects: the first part of the path
    says which kind of object a `pk` or `slug` is."""
    section = route.split("/")[0]
    if section == "centers":
        section = "facilities" if "facilities/<int:pk>" in route else "centers"
        if "bookings/<int:pk>" in route:
            section = "bookings"
        if "photos/<int:pk>" in route:
            section = "photos"
    if section == "mobility" and "imports/<int:pk>" in route:
        section = "imports"
    path = route
    for parameter, value in (
        ("<int:pk>", objects.get(section, "999999")),
        ("<slug:slug>", objects.get("slug_" + section, "x")),
        ("<int:party_pk>", objects["party"]),
        ("<int:provision_pk>", objects["provision"]),
        ("<int:document_pk>", objects["document"]),
        ("<int:obligation_pk>", objects["obligation"]),
        ("<int:blackout_pk>", "999999"),
        ("<int:training_pk>", "999999"),
        ("<str:token>", "not-a-token"),
        ("<uidb64>", "MQ"),
        ("<token>", "set-password"),
    ):
        path = path.replace(parameter, value)
    return "/" + path


@pytest.fixture
def objects(db) -> dict[str, str]:
    """A private agreement of KazNU, a mobility, a booking and the other objects the routes
    name, from the demo."""
    demo_load()
    kaznu = Institution.objects.get(slug="al-farabi-kazakh-national-university")
    agreement = (
        Agreement.objects.filter(parties__institution=kaznu, is_public=False)
        .exclude(documents=None)
        .first()
    )
    assert agreement is not None
    center = ResearchCenter.objects.filter(institution=kaznu).first()
    facility = Facility.objects.filter(center=center).first()
    booking = Booking.objects.filter(facility__center=center).first()
    mobility = Mobility.objects.filter(home_institution=kaznu).first()
    obligation = ReturnObligation.objects.filter(mobility__home_institution=kaznu).first()
    photo = CenterPhoto.objects.filter(center=center).first()
    assert center and facility and booking and mobility and obligation
    return {
        "agreements": str(agreement.pk),
        "party": str(agreement.parties.first().pk),
        "provision": str(agreement.provisions.first().pk) if agreement.provisions.exists() else "1",
        "document": str(agreement.documents.first().pk),
        "mobility": str(mobility.pk),
        "obligation": str(obligation.pk),
        "imports": "999999",
        "bookings": str(booking.pk),
        "facilities": str(facility.pk),
        "photos": str(photo.pk) if photo else "999999",
        "slug_institutions": kaznu.slug,
        "slug_accounts": kaznu.slug,
        "slug_p": kaznu.slug,
        "slug_centers": center.slug,
        # The profile's API tokens: none of them the outsider's.
        "accounts": "999999",
    }


def _close_files(response) -> None:
    # A download (an XLSX export, a document) is closed once its body has been read, as a
    # server would; the test client leaves it open otherwise. (Not response.close(): that
    # would end the request a second time and close the database connection with it.)
    if response.streaming:
        b"".join(response.streaming_content)


def refused_anonymously(response) -> bool:
    if response.status_code in (302, 303):
        return response["Location"].startswith("/accounts/login/")
    return response.status_code in (401, 403, 404, 405)


def test_a_visitor_reaches_only_the_public_pages(client, objects):
    reached = []
    for route in all_routes():
        if route.startswith(SKIPPED):
            continue
        path = path_of(route, objects)
        for method in (client.get, client.post):
            response = method(path)
            _close_files(response)
            assert response.status_code < 500, (method.__name__, path)
            if route not in PUBLIC and not refused_anonymously(response):
                reached.append((method.__name__.upper(), path, response.status_code))

    assert reached == []


def test_a_researcher_of_another_institution_reaches_nothing_private(client, objects):
    outsider = MembershipFactory(
        institution=InstitutionFactory(name="Unrelated Institute", country="FR"),
        role="researcher",
    ).user
    client.force_login(outsider)
    reached = []
    for route in all_routes():
        if route.startswith(SKIPPED) or route == "accounts/logout/":
            continue
        path = path_of(route, objects)
        for method in (client.get, client.post):
            response = method(path)
            _close_files(response)
            assert response.status_code < 500, (method.__name__, path)
            if route in PUBLIC or route in OPEN_TO_MEMBERS:
                continue
            if response.status_code == 200 or (
                response.status_code in (302, 303)
                and not response["Location"].startswith("/accounts/login/")
                and method is client.post
            ):
                reached.append((method.__name__.upper(), path, response.status_code))

    assert reached == []
