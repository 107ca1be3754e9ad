"""Every form of Accord, sent to its page by a user allowed to use it, with generated input:
text in any script, very long, with control characters; numbers out of any range; days that
do not exist. No input makes a server error, and a form that is refused changes nothing.
A form added later without a case here fails `test_every_form_has_a_property_test`."""

import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client, override_settings
from hypothesis import given

import accord
from accord.agreements import forms as agreement_forms
from accord.agreements.filters import AgreementFilterForm
from accord.agreements.models import Agreement, AgreementParty, AgreementStatus
from accord.agreements.provisions import PROVISION_FORMS
from accord.analytics.mobility_flows.filters import FlowFilterForm
from accord.analytics.mobility_flows.query import flows_for
from accord.centers import forms as center_forms
from accord.centers.models import Booking, BookingStatus, Facility, ResearchCenter
from accord.centers.views.pages import _search_choices
from accord.core import forms as core_forms
from accord.core import services as core_services
from accord.core.demo import demo_load
from accord.core.models import Invitation, LoginFailure, User
from accord.institutions import forms as institution_forms
from accord.institutions import selectors as institution_selectors
from accord.institutions.models import Institution
from accord.mobility import forms as mobility_forms
from accord.mobility.importer.forms import ImportUploadForm
from accord.mobility.models import Mobility, ObligationStatus, ReturnObligation
from tests.properties import form_data, property_settings

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# NUL in a request is refused before any view sees it (core/middleware.py), so it is part of
# the input here too.
WITH_NUL = True


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for this module and rolled back after it, and the objects of
    KazNU that its officer (also its admin and a center's manager) works on."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("form-media"), PASSWORD_HASHERS=FAST_HASHER
        ),
        transaction.atomic(),
    ):
        demo_load()
        officer = User.objects.get(username="kaznu-officer")
        kaznu = Institution.objects.get(schac_code="kaznu.kz")
        own = Agreement.objects.filter(parties__institution=kaznu).order_by("pk")
        draft = own.filter(status=AgreementStatus.DRAFT).first()
        active = own.filter(status=AgreementStatus.ACTIVE).first()
        signing = own.filter(status=AgreementStatus.SIGNING).first()
        center = ResearchCenter.objects.filter(institution=kaznu, managers=officer).first()
        facility = Facility.objects.filter(center=center).first()
        booking = Booking.objects.filter(
            facility__center=center, status=BookingStatus.REQUESTED
        ).first()
        mobility = (
            Mobility.objects.filter(
                home_institution=kaznu, obligations__status=ObligationStatus.PENDING
            )
            .order_by("pk")
            .first()
        )
        obligation = ReturnObligation.objects.filter(
            mobility=mobility, status=ObligationStatus.PENDING
        ).first()
        _invitation, token = core_services.invitation_create(
            actor=officer, institution=kaznu, email="new.person@example.org", role="researcher"
        )
        assert draft and active and signing and center and facility and booking
        assert mobility and obligation
        yield SimpleNamespace(
            users={
                "officer": officer,
                "staff": User.objects.get(username="admin"),
                None: None,
            },
            kaznu=kaznu,
            draft=draft,
            draft_party=draft.parties.get(institution=kaznu),
            active=active,
            signing_party=AgreementParty.objects.get(agreement=signing, institution=kaznu),
            center=center,
            facility=facility,
            booking=booking,
            mobility=mobility,
            obligation=obligation,
            invitation_token=token,
        )
        transaction.set_rollback(True)


@dataclass
class Case:
    form: type[forms.BaseForm]
    path: Callable[[Any], str]
    # The form unbound, as its page builds it: its fields, choices, prefix and current values.
    build: Callable[[Any], forms.BaseForm]
    user: str | None = "officer"
    method: str = "post"
    fixed: Callable[[Any], dict[str, Any]] = field(default=lambda w: {})


def _provision_case(kind: str) -> Case:
    return Case(
        PROVISION_FORMS[kind],
        lambda w: f"/agreements/{w.draft.pk}/provisions/add/",
        lambda w: PROVISION_FORMS[kind](agreement=w.draft),
        fixed=lambda w: {"kind": kind},
    )


CASES: dict[str, Case] = {
    # Agreements
    "agreement create": Case(
        agreement_forms.AgreementForm,
        lambda w: "/agreements/new/",
        lambda w: agreement_forms.AgreementForm(user=w.users["officer"], parties=True),
    ),
    "agreement edit": Case(
        agreement_forms.AgreementForm,
        lambda w: f"/agreements/{w.draft.pk}/edit/",
        lambda w: agreement_forms.AgreementForm(user=w.users["officer"], agreement=w.draft),
    ),
    "agreement filters": Case(
        AgreementFilterForm, lambda w: "/agreements/", lambda w: AgreementFilterForm(), method="get"
    ),
    "agreement transition": Case(
        agreement_forms.TransitionForm,
        lambda w: f"/agreements/{w.draft.pk}/transition/",
        lambda w: agreement_forms.TransitionForm(),
    ),
    "agreement renew": Case(
        agreement_forms.RenewForm,
        lambda w: f"/agreements/{w.active.pk}/renew/",
        lambda w: agreement_forms.RenewForm(),
    ),
    "agreement amend": Case(
        agreement_forms.AmendForm,
        lambda w: f"/agreements/{w.active.pk}/amend/",
        lambda w: agreement_forms.AmendForm(),
    ),
    "party add": Case(
        agreement_forms.PartyAddForm,
        lambda w: f"/agreements/{w.draft.pk}/parties/add/",
        lambda w: agreement_forms.PartyAddForm(),
    ),
    "party sign": Case(
        agreement_forms.SignatureForm,
        lambda w: f"/agreements/{w.signing_party.agreement_id}/parties/{w.signing_party.pk}/sign/",
        lambda w: agreement_forms.SignatureForm(),
    ),
    "party coordinator": Case(
        agreement_forms.CoordinatorForm,
        lambda w: f"/agreements/{w.draft.pk}/parties/{w.draft_party.pk}/coordinator/",
        lambda w: agreement_forms.CoordinatorForm(party=w.draft_party),
    ),
    "document upload": Case(
        agreement_forms.DocumentUploadForm,
        lambda w: f"/agreements/{w.draft.pk}/documents/",
        lambda w: agreement_forms.DocumentUploadForm(),
    ),
    "provision kind": Case(
        agreement_forms.ProvisionKindForm,
        lambda w: f"/agreements/{w.draft.pk}/provisions/add/",
        lambda w: agreement_forms.ProvisionKindForm(kinds=[(k, k) for k in PROVISION_FORMS]),
    ),
    **{f"provision {kind}": _provision_case(kind) for kind in PROVISION_FORMS},
    # Analytics
    "mobility flow filters": Case(
        FlowFilterForm,
        lambda w: "/analytics/mobility/",
        lambda w: flows_for(None, today=dt.date.today())[0],
        method="get",
    ),
    # Research centers
    "center create": Case(
        center_forms.CenterForm,
        lambda w: "/centers/new/",
        lambda w: center_forms.CenterForm(institutions=Institution.objects.filter(pk=w.kaznu.pk)),
    ),
    "center edit": Case(
        center_forms.CenterForm,
        lambda w: f"/centers/{w.center.slug}/edit/",
        lambda w: center_forms.CenterForm(center=w.center),
    ),
    "center managers": Case(
        center_forms.ManagersForm,
        lambda w: f"/centers/{w.center.slug}/managers/",
        lambda w: center_forms.ManagersForm(center=w.center, prefix="managers"),
    ),
    "center photo": Case(
        center_forms.PhotoForm,
        lambda w: f"/centers/{w.center.slug}/photos/",
        lambda w: center_forms.PhotoForm(prefix="photo"),
    ),
    "facility search": Case(
        center_forms.FacilitySearchForm,
        lambda w: "/centers/",
        lambda w: center_forms.FacilitySearchForm(
            **dict(
                zip(("institutions", "countries"), _search_choices(w.users["officer"]), strict=True)
            )
        ),
        method="get",
    ),
    "facility create": Case(
        center_forms.FacilityForm,
        lambda w: f"/centers/{w.center.slug}/facilities/new/",
        lambda w: center_forms.FacilityForm(),
    ),
    "facility edit": Case(
        center_forms.FacilityForm,
        lambda w: f"/centers/facilities/{w.facility.pk}/edit/",
        lambda w: center_forms.FacilityForm(facility=w.facility),
    ),
    "facility hours": Case(
        center_forms.OpeningHoursForm,
        lambda w: f"/centers/facilities/{w.facility.pk}/schedule/",
        lambda w: center_forms.OpeningHoursForm(facility=w.facility),
    ),
    "facility blackout": Case(
        center_forms.BlackoutForm,
        lambda w: f"/centers/facilities/{w.facility.pk}/blackouts/",
        lambda w: center_forms.BlackoutForm(prefix="blackout"),
    ),
    "facility training": Case(
        center_forms.TrainingForm,
        lambda w: f"/centers/facilities/{w.facility.pk}/training/",
        lambda w: center_forms.TrainingForm(prefix="training"),
    ),
    "facility booking": Case(
        center_forms.BookingForm,
        lambda w: f"/centers/facilities/{w.facility.pk}/book/",
        lambda w: center_forms.BookingForm(),
    ),
    "booking reject": Case(
        center_forms.RejectForm,
        lambda w: f"/centers/bookings/{w.booking.pk}/reject/",
        lambda w: center_forms.RejectForm(),
    ),
    "booking cancel": Case(
        center_forms.CancelForm,
        lambda w: f"/centers/bookings/{w.booking.pk}/cancel/",
        lambda w: center_forms.CancelForm(),
    ),
    # People
    "login": Case(
        core_forms.LoginForm, lambda w: "/accounts/login/", lambda w: core_forms.LoginForm(), None
    ),
    "admin login": Case(
        core_forms.AdminLoginForm,
        lambda w: "/admin/login/",
        lambda w: core_forms.AdminLoginForm(),
        None,
    ),
    "password reset": Case(
        core_forms.PasswordResetForm,
        lambda w: "/accounts/password_reset/",
        lambda w: core_forms.PasswordResetForm(),
        None,
    ),
    "profile": Case(
        core_forms.ProfileForm, lambda w: "/accounts/profile/", lambda w: core_forms.ProfileForm()
    ),
    "api token": Case(
        core_forms.ApiTokenForm,
        lambda w: "/accounts/profile/tokens/",
        lambda w: core_forms.ApiTokenForm(),
    ),
    "invitation": Case(
        core_forms.InvitationForm,
        lambda w: f"/accounts/institutions/{w.kaznu.slug}/members/invite/",
        lambda w: core_forms.InvitationForm(),
    ),
    "signup by invitation": Case(
        core_forms.SignupForm,
        lambda w: f"/accounts/invitations/{w.invitation_token}/",
        lambda w: core_forms.SignupForm(),
        None,
    ),
    # Institutions
    "institution filters": Case(
        institution_forms.InstitutionFilterForm,
        lambda w: "/institutions/",
        lambda w: institution_forms.InstitutionFilterForm(
            country_codes=institution_selectors.institution_countries()
        ),
        method="get",
    ),
    "institution create": Case(
        institution_forms.InstitutionForm,
        lambda w: "/institutions/new/",
        lambda w: institution_forms.InstitutionForm(),
        "staff",
    ),
    "institution edit": Case(
        institution_forms.InstitutionForm,
        lambda w: f"/institutions/{w.kaznu.slug}/edit/",
        lambda w: institution_forms.InstitutionForm(names=w.kaznu.names),
    ),
    "unit add": Case(
        institution_forms.UnitForm,
        lambda w: f"/institutions/{w.kaznu.slug}/units/add/",
        lambda w: institution_forms.UnitForm(institution=w.kaznu, prefix="unit"),
    ),
    "contact add": Case(
        institution_forms.ContactForm,
        lambda w: f"/institutions/{w.kaznu.slug}/contacts/add/",
        lambda w: institution_forms.ContactForm(institution=w.kaznu, prefix="contact"),
    ),
    # Mobility
    "mobility filters": Case(
        mobility_forms.MobilityFilterForm,
        lambda w: "/mobility/",
        lambda w: mobility_forms.MobilityFilterForm(),
        method="get",
    ),
    "mobility create": Case(
        mobility_forms.MobilityForm,
        lambda w: "/mobility/new/",
        lambda w: mobility_forms.MobilityForm(user=w.users["officer"]),
    ),
    "mobility edit": Case(
        mobility_forms.MobilityForm,
        lambda w: f"/mobility/{w.mobility.pk}/edit/",
        lambda w: mobility_forms.MobilityForm(user=w.users["officer"], mobility=w.mobility),
    ),
    "mobility transition": Case(
        mobility_forms.TransitionForm,
        lambda w: f"/mobility/{w.mobility.pk}/transition/",
        lambda w: mobility_forms.TransitionForm(),
    ),
    "mobility return": Case(
        mobility_forms.ReturnForm,
        lambda w: f"/mobility/{w.mobility.pk}/return/",
        lambda w: mobility_forms.ReturnForm(),
    ),
    "obligation add": Case(
        mobility_forms.ObligationForm,
        lambda w: f"/mobility/{w.mobility.pk}/obligations/",
        lambda w: mobility_forms.ObligationForm(),
    ),
    "obligation resolve": Case(
        mobility_forms.ResolveForm,
        lambda w: f"/mobility/{w.mobility.pk}/obligations/{w.obligation.pk}/resolve/",
        lambda w: mobility_forms.ResolveForm(),
    ),
    "mobility import upload": Case(
        ImportUploadForm,
        lambda w: "/mobility/imports/new/",
        lambda w: ImportUploadForm(user=w.users["officer"]),
    ),
}


def accord_form_classes() -> set[type[forms.BaseForm]]:
    """Every form class Accord defines, found by importing each of its modules."""
    found = set()
    for module_info in pkgutil.walk_packages(accord.__path__, "accord."):
        if any(part in module_info.name for part in (".migrations", ".management", "__main__")):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__.startswith("accord.")
            ):
                found.add(value)
    return found


def test_every_form_has_a_property_test():
    classes = accord_form_classes()
    tested = {case.form for case in CASES.values()}
    # A base class is tested through the forms built on it.
    untested = {
        form_class
        for form_class in classes
        if not any(issubclass(tested_class, form_class) for tested_class in tested)
    }

    assert sorted(form_class.__qualname__ for form_class in untested) == []
    assert len(classes) >= 40


def row_counts() -> dict[str, int]:
    """How many rows each of Accord's tables holds: what a refused form must leave alone. Failed
    logins are counted by design, to throttle the next ones."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model.__module__.startswith("accord.") and model is not LoginFailure
    }


def refused(response) -> bool:
    """Whether the page said no: the request was bad (a NUL in it), a form came back with
    errors, or an error was flashed."""
    if response.status_code in (400, 422):
        return True
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, forms.BaseForm) and value.is_bound and value._errors:
                return True
    return any(
        message.level == message_levels.ERROR for message in get_messages(response.wsgi_request)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_no_input_to_a_form_makes_a_server_error(name, world):
    case = CASES[name]
    user = world.users[case.user]
    form = case.build(world)
    path = case.path(world)
    before = row_counts()
    statuses = []

    @property_settings(8)
    @given(data=form_data(form, nul=WITH_NUL))
    def send(data):
        with transaction.atomic():
            client = Client()
            if user is not None:
                client.force_login(user)
            payload = {**data, **case.fixed(world)}
            if case.method == "get":
                response = client.get(path, payload)
            else:
                response = client.post(path, payload)
            if response.streaming:
                b"".join(response.streaming_content)
            statuses.append(response.status_code)
            assert response.status_code < 500, payload
            if case.method == "get" or refused(response):
                assert row_counts() == before, payload
            transaction.set_rollback(True)

    send()

    # The user was let in: the page took the form, whether it accepted or refused it.
    assert set(statuses) - {403, 404, 405}, statuses


@pytest.mark.django_db
def test_a_refused_form_is_recognised(world):
    """The check that a refused form changed nothing sees the refusal."""
    client = Client()
    client.force_login(world.users["officer"])

    response = client.post(f"/institutions/{world.kaznu.slug}/units/add/", {"unit-name": ""})

    assert refused(response)


LONG_EMAIL = "a" * 250 + "@example.org"


@pytest.mark.django_db
def test_an_email_address_longer_than_its_column_is_refused_on_the_profile(client, world):
    officer = world.users["officer"]
    client.force_login(officer)
    before = officer.email

    response = client.post(
        "/accounts/profile/",
        {"first_name": "Aigerim", "last_name": "T", "email": LONG_EMAIL, "language": "en"},
    )

    assert response.status_code == 400
    assert "An e-mail address has at most 254 characters." in response.text
    officer.refresh_from_db()
    assert officer.email == before


@pytest.mark.django_db
def test_an_email_address_longer_than_its_column_is_refused_in_an_invitation(client, world):
    client.force_login(world.users["officer"])
    before = Invitation.objects.count()

    response = client.post(
        f"/accounts/institutions/{world.kaznu.slug}/members/invite/",
        {"email": LONG_EMAIL, "role": "researcher"},
    )

    assert response.status_code == 400
    assert "An e-mail address has at most 254 characters." in response.text
    assert Invitation.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/mobility/?home_institution=²",
        "/agreements/?institution=²",
        "/agreements/institution-options/?q=uni&partners=²",
        "/centers/{center}/usage.csv?year=²",
    ],
)
def test_a_digit_that_is_no_decimal_is_not_taken_for_an_id(client, world, path):
    """ "²" is a digit to str.isdigit() and no number to int()."""
    client.force_login(world.users["officer"])

    response = client.get(path.format(center=world.center.slug))

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_digit_that_is_no_decimal_is_no_chosen_partner(client, world):
    client.force_login(world.users["officer"])
    before = Agreement.objects.count()

    response = client.post("/agreements/new/", {"title": "Exchange", "partners": "²"})

    assert response.status_code == 200
    assert Agreement.objects.count() == before
