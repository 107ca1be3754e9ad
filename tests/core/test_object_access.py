"""Every page and API operation that names an object (by id, slug or token), walked from the URL
configuration and the OpenAPI document: the staff of the institution that owns the object are
let in, and an officer or admin of an unrelated institution is refused (403 or 404) wherever the
object is not public. Each route's object comes from the demo world through `PAGES` and
`OPERATIONS`; a route with parameters that neither names fails the test, so that a new route
is checked from the day it is added."""

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pprint import pformat
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accord.agreements.models import Agreement, AgreementStatus
from accord.api.v1 import api
from accord.centers import services as center_services
from accord.centers.models import Booking, BookingStatus, ResearchCenter
from accord.core import services as core_services
from accord.core.demo import demo_load
from accord.core.models import Membership, Role, User
from accord.institutions.models import Contact, Institution, Unit
from accord.mobility.models import Mobility, MobilityImport, ObligationStatus, ReturnObligation
from tests.centers.world import picture
from tests.core.test_url_access import all_routes
from tests.factories import InstitutionFactory, MembershipFactory, pdf_bytes

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Not walked here: the admin is platform staff's alone (tests/core/test_admin.py), and the API
# is walked from its own document below.
SKIPPED = ("admin/", "api/v1/")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for this module and rolled back after it, with KazNU's private
    objects: an agreement, a mobility, a private research center with a photo, an import, an
    invitation, a token; and two people of an institution that has nothing to do with them."""
    media = tmp_path_factory.mktemp("access-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        demo_load()
        officer = User.objects.get(username="kaznu-officer")
        kaznu = Institution.objects.get(schac_code="kaznu.kz")
        agreement = (
            Agreement.objects.filter(
                parties__institution=kaznu, is_public=False, status=AgreementStatus.NEGOTIATION
            )
            .exclude(documents=None)
            .exclude(provisions=None)
            .order_by("pk")
            .first()
        )
        center = ResearchCenter.objects.filter(institution=kaznu, managers=officer).first()
        assert agreement is not None and center is not None
        # The demo's centers are public; a private one is what must stay hidden.
        ResearchCenter.objects.filter(pk=center.pk).update(is_public=False)
        facility = center.facilities.order_by("pk").first()
        mobility = (
            Mobility.objects.filter(
                home_institution=kaznu, obligations__status=ObligationStatus.PENDING
            )
            .order_by("pk")
            .first()
        )
        assert facility is not None and mobility is not None
        _invitation, invitation_token = core_services.invitation_create(
            actor=officer, institution=kaznu, email="new.person@example.org", role=Role.RESEARCHER
        )
        api_token, _plaintext = core_services.api_token_create(
            actor=officer, user=officer, name="reports"
        )
        mobility_import = MobilityImport.objects.create(
            institution=kaznu, file="imports/mobilities.csv", original_name="mobilities.csv"
        )
        outsiders = InstitutionFactory(name="Unrelated Institute", country="FR")
        yield SimpleNamespace(
            media=media,
            officer=officer,
            outsiders={
                role: MembershipFactory(institution=outsiders, role=role).user
                for role in (Role.OFFICER, Role.ADMIN)
            },
            kaznu=kaznu,
            agreement=agreement,
            party=agreement.parties.get(institution=kaznu),
            provision=agreement.provisions.order_by("pk").first(),
            document=agreement.documents.order_by("pk").first(),
            center=center,
            photo=center_services.center_photo_add(actor=officer, center=center, image=picture()),
            facility=facility,
            blackout=center_services.blackout_add(
                actor=officer,
                facility=facility,
                starts_at=timezone.now() + dt.timedelta(days=30),
                ends_at=timezone.now() + dt.timedelta(days=31),
                reason="Maintenance",
            ),
            training=center_services.training_grant(
                actor=officer, facility=facility, user=User.objects.get(username="anas-researcher")
            ),
            booking=Booking.objects.filter(
                facility__center=center, status=BookingStatus.REQUESTED
            ).first(),
            mobility=mobility,
            obligation=ReturnObligation.objects.filter(
                mobility=mobility, status=ObligationStatus.PENDING
            ).first(),
            mobility_import=mobility_import,
            unit=Unit.objects.filter(institution=kaznu).order_by("pk").first(),
            contact=Contact.objects.filter(institution=kaznu).order_by("pk").first(),
            membership=Membership.objects.filter(institution=kaznu, role=Role.STUDENT).first(),
            invitation=_invitation,
            invitation_token=invitation_token,
            api_token=api_token,
            user_feed=center_services.calendar_feed_for(officer).token,
            reset=(urlsafe_base64_encode(force_bytes(officer.pk)), "set-password"),
        )
        transaction.set_rollback(True)


@pytest.fixture
def world_media(world, settings):
    """The files of the world: its documents and photos."""
    settings.MEDIA_ROOT = world.media


Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class Target:
    """How a route's parameters are filled from the world (its owner is KazNU, whose officer
    is also its admin and the center's manager), and what each side may do."""

    params: dict[str, Getter]
    # Public, or open to any member: an outsider may read it (GET answers 200).
    outsider_reads: bool = False
    # What a GET answers the owner: 405 where the route only takes POST.
    owner_get: int = 200
    # A secret link: an outsider tries a made-up token, since the real one is the permission.
    guessed: dict[str, str] | None = None
    # API: a well-formed body for each method that takes one, so that what answers is the
    # permission, not the check of the body's shape.
    bodies: dict[str, Getter] = field(default_factory=dict)


def pk(name: str) -> Getter:
    return lambda world: getattr(world, name).pk


KAZNU = {"slug": lambda world: world.kaznu.slug}
AGREEMENT = {"pk": pk("agreement")}
PARTY = {**AGREEMENT, "party_pk": pk("party")}
PROVISION = {**AGREEMENT, "provision_pk": pk("provision")}
CENTER = {"slug": lambda world: world.center.slug}
FACILITY = {"pk": pk("facility")}
BOOKING = {"pk": pk("booking")}
MOBILITY = {"pk": pk("mobility")}
IMPORT = {"pk": pk("mobility_import")}
POST_ONLY = 405

PAGES: dict[str, Target] = {
    # People
    "accounts/institutions/<slug:slug>/members/": Target(KAZNU),
    "accounts/institutions/<slug:slug>/members/invite/": Target(KAZNU, owner_get=POST_ONLY),
    "accounts/institutions/<slug:slug>/members/<int:pk>/revoke/": Target(
        {**KAZNU, "pk": pk("membership")}, owner_get=POST_ONLY
    ),
    "accounts/institutions/<slug:slug>/invitations/<int:pk>/revoke/": Target(
        {**KAZNU, "pk": pk("invitation")}, owner_get=POST_ONLY
    ),
    "accounts/invitations/<str:token>/": Target(
        {"token": lambda world: world.invitation_token}, guessed={"token": "made-up"}
    ),
    "accounts/profile/tokens/<int:pk>/revoke/": Target({"pk": pk("api_token")}, owner_get=405),
    # Django's password reset: a made-up link answers a page that says it is not valid; the
    # real one moves on to the page that sets the password.
    "accounts/reset/<uidb64>/<token>/": Target(
        {
            "uidb64": lambda world: world.reset[0],
            "token": lambda world: default_token_generator.make_token(world.officer),
        },
        outsider_reads=True,
        owner_get=302,
        guessed={"uidb64": "MQ", "token": "made-up"},
    ),
    # Institutions: the register is open to every member, its changes to the institution's.
    "institutions/<slug:slug>/": Target(KAZNU, outsider_reads=True),
    "institutions/<slug:slug>/edit/": Target(KAZNU),
    "institutions/<slug:slug>/units/add/": Target(KAZNU, owner_get=POST_ONLY),
    "institutions/<slug:slug>/units/<int:pk>/edit/": Target({**KAZNU, "pk": pk("unit")}),
    "institutions/<slug:slug>/units/<int:pk>/remove/": Target(
        {**KAZNU, "pk": pk("unit")}, owner_get=POST_ONLY
    ),
    "institutions/<slug:slug>/contacts/add/": Target(KAZNU, owner_get=POST_ONLY),
    "institutions/<slug:slug>/contacts/<int:pk>/edit/": Target({**KAZNU, "pk": pk("contact")}),
    "institutions/<slug:slug>/contacts/<int:pk>/remove/": Target(
        {**KAZNU, "pk": pk("contact")}, owner_get=POST_ONLY
    ),
    "p/<slug:slug>/": Target(KAZNU, outsider_reads=True),
    # Agreements
    "agreements/<int:pk>/": Target(AGREEMENT),
    "agreements/<int:pk>/edit/": Target(AGREEMENT),
    "agreements/<int:pk>/transition/": Target(AGREEMENT, owner_get=POST_ONLY),
    "agreements/<int:pk>/renew/": Target(AGREEMENT, owner_get=POST_ONLY),
    "agreements/<int:pk>/amend/": Target(AGREEMENT, owner_get=POST_ONLY),
    "agreements/<int:pk>/parties/add/": Target(AGREEMENT, owner_get=POST_ONLY),
    "agreements/<int:pk>/parties/<int:party_pk>/remove/": Target(PARTY, owner_get=POST_ONLY),
    "agreements/<int:pk>/parties/<int:party_pk>/sign/": Target(PARTY, owner_get=POST_ONLY),
    "agreements/<int:pk>/parties/<int:party_pk>/coordinator/": Target(PARTY, owner_get=POST_ONLY),
    # Without htmx, the provision's fields are on the agreement's page.
    "agreements/<int:pk>/provisions/form/": Target(AGREEMENT, owner_get=302),
    "agreements/<int:pk>/provisions/add/": Target(AGREEMENT, owner_get=POST_ONLY),
    "agreements/<int:pk>/provisions/<int:provision_pk>/edit/": Target(PROVISION),
    "agreements/<int:pk>/provisions/<int:provision_pk>/remove/": Target(
        PROVISION, owner_get=POST_ONLY
    ),
    "agreements/<int:pk>/documents/": Target(AGREEMENT, owner_get=POST_ONLY),
    "agreements/<int:pk>/documents/<int:document_pk>/": Target(
        {**AGREEMENT, "document_pk": pk("document")}
    ),
    # Research centers
    "centers/<slug:slug>/": Target(CENTER),
    "centers/<slug:slug>/edit/": Target(CENTER),
    "centers/<slug:slug>/managers/": Target(CENTER, owner_get=POST_ONLY),
    "centers/<slug:slug>/facilities/new/": Target(CENTER),
    "centers/<slug:slug>/usage.csv": Target(CENTER),
    "centers/<slug:slug>/photos/": Target(CENTER, owner_get=POST_ONLY),
    "centers/<slug:slug>/photos/<int:pk>/": Target({**CENTER, "pk": pk("photo")}),
    "centers/<slug:slug>/photos/<int:pk>/move/": Target(
        {**CENTER, "pk": pk("photo")}, owner_get=POST_ONLY
    ),
    "centers/<slug:slug>/photos/<int:pk>/remove/": Target(
        {**CENTER, "pk": pk("photo")}, owner_get=POST_ONLY
    ),
    "centers/facilities/<int:pk>/": Target(FACILITY),
    "centers/facilities/<int:pk>/book/": Target(FACILITY, owner_get=POST_ONLY),
    "centers/facilities/<int:pk>/edit/": Target(FACILITY),
    "centers/facilities/<int:pk>/schedule/": Target(FACILITY),
    "centers/facilities/<int:pk>/feed/reset/": Target(FACILITY, owner_get=POST_ONLY),
    "centers/facilities/<int:pk>/blackouts/": Target(FACILITY, owner_get=POST_ONLY),
    "centers/facilities/<int:pk>/blackouts/<int:blackout_pk>/remove/": Target(
        {**FACILITY, "blackout_pk": pk("blackout")}, owner_get=POST_ONLY
    ),
    "centers/facilities/<int:pk>/training/": Target(FACILITY, owner_get=POST_ONLY),
    "centers/facilities/<int:pk>/training/<int:training_pk>/revoke/": Target(
        {**FACILITY, "training_pk": pk("training")}, owner_get=POST_ONLY
    ),
    "centers/bookings/<int:pk>/": Target(BOOKING),
    "centers/bookings/<int:pk>/approve/": Target(BOOKING, owner_get=POST_ONLY),
    "centers/bookings/<int:pk>/reject/": Target(BOOKING, owner_get=POST_ONLY),
    "centers/bookings/<int:pk>/cancel/": Target(BOOKING, owner_get=POST_ONLY),
    "centers/feeds/facility/<str:token>.ics": Target(
        {"token": lambda world: world.facility.feed_token}, guessed={"token": "made-up"}
    ),
    "centers/feeds/user/<str:token>.ics": Target(
        {"token": lambda world: world.user_feed}, guessed={"token": "made-up"}
    ),
    # Mobility
    "mobility/<int:pk>/": Target(MOBILITY),
    "mobility/<int:pk>/edit/": Target(MOBILITY),
    "mobility/<int:pk>/transition/": Target(MOBILITY, owner_get=POST_ONLY),
    "mobility/<int:pk>/return/": Target(MOBILITY, owner_get=POST_ONLY),
    "mobility/<int:pk>/obligations/": Target(MOBILITY, owner_get=POST_ONLY),
    "mobility/<int:pk>/obligations/<int:obligation_pk>/resolve/": Target(
        {**MOBILITY, "obligation_pk": pk("obligation")}, owner_get=POST_ONLY
    ),
    "mobility/imports/<int:pk>/": Target(IMPORT),
    "mobility/imports/<int:pk>/status/": Target(IMPORT),
    "mobility/imports/<int:pk>/report.csv": Target(IMPORT),
    "mobility/imports/<int:pk>/restart/": Target(IMPORT, owner_get=POST_ONLY),
}

API_KAZNU = {"slug": lambda world: world.kaznu.slug}
API_AGREEMENT = {"agreement_id": pk("agreement")}
API_PARTY = {**API_AGREEMENT, "party_id": pk("party")}
API_MOBILITY = {"mobility_id": pk("mobility")}
API_FACILITY = {"facility_id": pk("facility")}
API_BOOKING = {"booking_id": pk("booking")}
API_CENTER = {"slug": lambda world: world.center.slug}


def body(method: str, **values: Any) -> dict[str, Getter]:
    return {method: lambda world: values}


OPERATIONS: dict[str, Target] = {
    "/api/v1/institutions/{slug}": Target(API_KAZNU, outsider_reads=True),
    "/api/v1/institutions/{slug}/units": Target(
        API_KAZNU, outsider_reads=True, bodies=body("POST", name="Access", kind="faculty")
    ),
    "/api/v1/institutions/{slug}/units/{unit_id}": Target({**API_KAZNU, "unit_id": pk("unit")}),
    "/api/v1/institutions/{slug}/contacts": Target(
        API_KAZNU, outsider_reads=True, bodies=body("POST", name="Someone")
    ),
    "/api/v1/institutions/{slug}/contacts/{contact_id}": Target(
        {**API_KAZNU, "contact_id": pk("contact")}
    ),
    "/api/v1/agreements/{agreement_id}": Target(API_AGREEMENT),
    "/api/v1/agreements/{agreement_id}/transitions": Target(
        API_AGREEMENT, bodies=body("POST", to="signing")
    ),
    "/api/v1/agreements/{agreement_id}/history": Target(API_AGREEMENT),
    "/api/v1/agreements/{agreement_id}/renewals": Target(
        API_AGREEMENT, bodies=body("POST", valid_from="2030-01-01", valid_to="2031-01-01")
    ),
    "/api/v1/agreements/{agreement_id}/amendments": Target(
        API_AGREEMENT, bodies=body("POST", title="Amendment")
    ),
    "/api/v1/agreements/{agreement_id}/parties": Target(
        API_AGREEMENT, bodies=body("POST", institution="uw.edu.pl")
    ),
    "/api/v1/agreements/{agreement_id}/parties/{party_id}": Target(API_PARTY),
    "/api/v1/agreements/{agreement_id}/parties/{party_id}/signature": Target(
        API_PARTY, bodies=body("POST", signatory_name="Zhansaya Omarova", signed_on="2026-01-10")
    ),
    "/api/v1/agreements/{agreement_id}/parties/{party_id}/coordinator": Target(
        API_PARTY, bodies=body("PUT", coordinator=None)
    ),
    "/api/v1/agreements/{agreement_id}/provisions": Target(
        API_AGREEMENT, bodies=body("POST", kind="joint_research", terms={})
    ),
    "/api/v1/agreements/{agreement_id}/provisions/{provision_id}": Target(
        {**API_AGREEMENT, "provision_id": pk("provision")}, bodies=body("PUT", terms={})
    ),
    "/api/v1/agreements/{agreement_id}/documents": Target(
        API_AGREEMENT,
        bodies={
            "POST": lambda world: {"kind": "draft", "file": ContentFile(pdf_bytes(), "draft.pdf")}
        },
    ),
    "/api/v1/agreements/{agreement_id}/documents/{document_id}/download": Target(
        {**API_AGREEMENT, "document_id": pk("document")}
    ),
    "/api/v1/mobilities/{mobility_id}": Target(API_MOBILITY),
    "/api/v1/mobilities/{mobility_id}/transition": Target(
        API_MOBILITY, bodies=body("POST", to="cancelled", reason="Withdrawn")
    ),
    "/api/v1/mobilities/{mobility_id}/return": Target(
        API_MOBILITY, bodies=body("POST", returned_home=True)
    ),
    "/api/v1/mobilities/{mobility_id}/obligations": Target(
        API_MOBILITY,
        bodies=body("POST", programme="Bolashak", years_of_work=1, return_within_months=1),
    ),
    "/api/v1/mobilities/{mobility_id}/obligations/{obligation_id}/resolve": Target(
        {**API_MOBILITY, "obligation_id": pk("obligation")},
        bodies=body("POST", status="fulfilled"),
    ),
    "/api/v1/mobility-imports/{import_id}": Target({"import_id": pk("mobility_import")}),
    "/api/v1/mobility-imports/{import_id}/report": Target({"import_id": pk("mobility_import")}),
    "/api/v1/mobility-imports/{import_id}/restart": Target({"import_id": pk("mobility_import")}),
    "/api/v1/centers/facilities/{facility_id}": Target(API_FACILITY),
    "/api/v1/centers/facilities/{facility_id}/availability": Target(API_FACILITY),
    "/api/v1/centers/bookings/{booking_id}": Target(API_BOOKING),
    "/api/v1/centers/bookings/{booking_id}/approve": Target(API_BOOKING),
    "/api/v1/centers/bookings/{booking_id}/reject": Target(
        API_BOOKING, bodies=body("POST", reason="The room is closed.")
    ),
    "/api/v1/centers/bookings/{booking_id}/cancel": Target(
        API_BOOKING, bodies=body("POST", reason="")
    ),
    "/api/v1/centers/{slug}": Target(API_CENTER),
    "/api/v1/centers/{slug}/photos": Target(
        API_CENTER, bodies={"POST": lambda world: {"image": picture()}}
    ),
    "/api/v1/centers/{slug}/photos/{photo_id}": Target({**API_CENTER, "photo_id": pk("photo")}),
}

PAGE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
API_PARAMETER = re.compile(r"{(\w+)}")


def pages_with_parameters() -> list[str]:
    return [
        route
        for route in all_routes()
        if PAGE_PARAMETER.search(route) and not route.startswith(SKIPPED)
    ]


def api_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the API's document that names an object."""
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if API_PARAMETER.search(path)
    ]


def named(routes: list[str], registry: dict[str, Target]) -> list[str]:
    """The routes the registry names; test_every_route_with_parameters_names_its_object fails
    for the others."""
    return [route for route in routes if route in registry]


def page_path(route: str, world: Any, values: dict[str, Any] | None = None) -> str:
    target = PAGES[route]
    values = {name: get(world) for name, get in target.params.items()} | (values or {})
    return "/" + PAGE_PARAMETER.sub(lambda match: str(values[match.group(1)]), route)


def api_path(path: str, world: Any) -> str:
    target = OPERATIONS[path]
    return API_PARAMETER.sub(lambda match: str(target.params[match.group(1)](world)), path)


def test_every_route_with_parameters_names_its_object():
    pages = pages_with_parameters()
    operations = {path for _method, path in api_operations()}

    unnamed_pages = [route for route in pages if route not in PAGES]
    unnamed_operations = sorted(path for path in operations if path not in OPERATIONS)
    missing_parameters = [
        route
        for route in pages
        if route in PAGES and set(PAGE_PARAMETER.findall(route)) != set(PAGES[route].params)
    ] + [
        path
        for path in operations
        if path in OPERATIONS and set(API_PARAMETER.findall(path)) != set(OPERATIONS[path].params)
    ]

    assert unnamed_pages == [], "add these routes to PAGES, with their object and owner"
    assert unnamed_operations == [], "add these API paths to OPERATIONS"
    assert missing_parameters == []
    # Nothing named that no longer exists.
    assert sorted(set(PAGES) - set(pages)) == []
    assert sorted(set(OPERATIONS) - operations) == []


def _request(client: Client, method: str, path: str, body: dict[str, Any] | None = None):
    """The answer to one request, whatever it changed undone. A body with a file goes as a
    form, any other as JSON."""
    with transaction.atomic():
        if body is not None and any(isinstance(value, File) for value in body.values()):
            response = client.post(path, body)
        elif body is not None:
            response = client.generic(method, path, json.dumps(body), "application/json")
        elif method in ("GET", "POST"):
            response = getattr(client, method.lower())(path)
        else:
            response = client.generic(method, path)
        if response.streaming:
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return response


def _api_request(client: Client, method: str, path: str, world: Any):
    target = OPERATIONS[path]
    body = target.bodies[method](world) if method in target.bodies else {}
    if method in ("GET", "DELETE"):
        body = None
    return _request(client, method, api_path(path, world), body)


def _refused(response) -> bool:
    if response.status_code in (302, 303):
        return response["Location"].startswith("/accounts/login/")
    return response.status_code in (403, 404, 405)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
def test_staff_of_an_unrelated_institution_reach_no_page_of_anothers_object(
    world, world_media, role
):
    client = Client()
    client.force_login(world.outsiders[role])
    reached = []
    for route in named(pages_with_parameters(), PAGES):
        target = PAGES[route]
        path = page_path(route, world, target.guessed)
        for method in ("GET", "POST"):
            response = _request(client, method, path)
            assert response.status_code < 500, (method, path)
            # A page open to them answers a POST as it answers a GET.
            if target.outsider_reads and response.status_code == 200:
                continue
            if not _refused(response):
                reached.append((method, route, response.status_code))

    assert reached == [], pformat(reached)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
def test_staff_of_an_unrelated_institution_reach_no_api_operation_on_anothers_object(
    world, world_media, role
):
    client = Client()
    client.force_login(world.outsiders[role])
    reached = []
    for method, path in api_operations():
        if path not in OPERATIONS:
            continue  # test_every_route_with_parameters_names_its_object names it
        target = OPERATIONS[path]
        response = _api_request(client, method, path, world)
        assert response.status_code < 500, (method, path)
        if method == "GET" and target.outsider_reads and response.status_code == 200:
            continue
        if response.status_code not in (403, 404):
            reached.append((method, path, response.status_code))

    assert reached == [], pformat(reached)


@pytest.mark.django_db
def test_the_owners_staff_reach_every_page_of_their_object(world, world_media):
    client = Client()
    client.force_login(world.officer)
    unexpected = []
    for route in named(pages_with_parameters(), PAGES):
        target = PAGES[route]
        path = page_path(route, world)
        answered = _request(client, "GET", path).status_code
        if answered != target.owner_get:
            unexpected.append(("GET", route, answered))
        if target.owner_get == POST_ONLY:
            # Sent empty, a form is refused for its content, not for who sent it.
            answered = _request(client, "POST", path).status_code
            if answered in (401, 403, 404, 405) or answered >= 500:
                unexpected.append(("POST", route, answered))

    assert unexpected == [], pformat(unexpected)


@pytest.mark.django_db
def test_the_owners_staff_reach_every_api_operation_on_their_object(world, world_media):
    client = Client()
    client.force_login(world.officer)
    unexpected = []
    for method, path in api_operations():
        if path not in OPERATIONS:
            continue  # test_every_route_with_parameters_names_its_object names it
        answered = _api_request(client, method, path, world).status_code
        if method == "GET" and answered != 200:
            unexpected.append((method, path, answered))
        # Sent empty, a change is refused for its content (422), not for who sent it.
        if answered in (401, 403, 404, 405) or answered >= 500:
            unexpected.append((method, path, answered))

    assert unexpected == [], pformat(unexpected)
