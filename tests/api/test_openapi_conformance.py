"""The API answers as its own document says. schemathesis calls every operation of
/api/v1/openapi.json with generated input, valid and invalid, as platform staff and as an
institution's officer, on the demo data; no answer may be a server error, and each answer's
status, content type and body must be ones the document declares for the operation."""

from collections.abc import Iterable
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accord.agreements.models import Agreement, AgreementDocument, AgreementParty, Provision
from accord.centers.models import Booking, CenterPhoto, Facility, ResearchCenter
from accord.core.demo import demo_load
from accord.core.models import User
from accord.core.services import api_token_create
from accord.institutions.models import Contact, Institution, Unit
from accord.mobility.models import Mobility, MobilityImport, ReturnObligation

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# Random examples of each operation only: the coverage phase's boundary cases take some two
# hundred calls for an operation with twenty fields, too many for every run of the suite.
schema.config.phases.coverage.enabled = False

CALLERS = {"staff": "admin", "officer": "kaznu-officer"}
TOKENS: dict[str, str] = {}

# Path parameters naming rows of the demo, by the API's first segment and the parameters'
# names; filled in once the demo is loaded.
KNOWN_PATHS: dict[tuple[str, ...], list[dict[str, Any]]] = {}


def _rows(values: Iterable[tuple[Any, ...]], *names: str) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in values]


def _known_paths() -> dict[tuple[str, ...], list[dict[str, Any]]]:
    return {
        ("agreements", "agreement_id"): _rows(Agreement.objects.values_list("pk"), "agreement_id"),
        ("agreements", "agreement_id", "party_id"): _rows(
            AgreementParty.objects.values_list("agreement_id", "pk"), "agreement_id", "party_id"
        ),
        ("agreements", "agreement_id", "provision_id"): _rows(
            Provision.objects.values_list("agreement_id", "pk"), "agreement_id", "provision_id"
        ),
        ("agreements", "agreement_id", "document_id"): _rows(
            AgreementDocument.objects.values_list("agreement_id", "pk"),
            "agreement_id",
            "document_id",
        ),
        ("institutions", "slug"): _rows(Institution.objects.values_list("slug")[:50], "slug"),
        ("institutions", "slug", "unit_id"): _rows(
            Unit.objects.values_list("institution__slug", "pk"), "slug", "unit_id"
        ),
        ("institutions", "contact_id", "slug"): _rows(
            Contact.objects.values_list("pk", "institution__slug"), "contact_id", "slug"
        ),
        ("mobilities", "mobility_id"): _rows(Mobility.objects.values_list("pk"), "mobility_id"),
        ("mobilities", "mobility_id", "obligation_id"): _rows(
            ReturnObligation.objects.values_list("mobility_id", "pk"),
            "mobility_id",
            "obligation_id",
        ),
        ("mobility-imports", "import_id"): _rows(
            MobilityImport.objects.values_list("pk"), "import_id"
        ),
        ("centers", "slug"): _rows(ResearchCenter.objects.values_list("slug"), "slug"),
        ("centers", "facility_id"): _rows(Facility.objects.values_list("pk"), "facility_id"),
        ("centers", "booking_id"): _rows(Booking.objects.values_list("pk"), "booking_id"),
        ("centers", "photo_id", "slug"): _rows(
            CenterPhoto.objects.values_list("pk", "center__slug"), "photo_id", "slug"
        ),
    }


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Half of the paths name rows of the demo, so that operations are tried beyond 404."""
    if not path_parameters:
        return st.just(path_parameters)
    root = context.operation.path.removeprefix("/api/v1/").split("/")[0]
    known = KNOWN_PATHS.get((root, *sorted(path_parameters)))
    if not known:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.sampled_from(known))


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module inside a transaction undone at its end; each
    test runs in a savepoint of its own within it. As with Django's test client, requests
    keep the test's connection (and its transaction) instead of closing it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
        try:
            with django_db_blocker.unblock():
                demo_load()
                for role, username in CALLERS.items():
                    user = User.objects.get(username=username)
                    _token, TOKENS[role] = api_token_create(
                        actor=user, user=user, name="conformance"
                    )
                KNOWN_PATHS.update(_known_paths())
            yield
        finally:
            KNOWN_PATHS.clear()
            TOKENS.clear()
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(params=sorted(CALLERS))
def caller(request, demo_world, db):
    return {"Authorization": f"Bearer {TOKENS[request.param]}"}


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    # The examples share the module's demo and the test's savepoint on purpose, and a busy
    # machine is no reason to fail.
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_document_says(case, caller):
    case.call_and_validate(
        headers=caller,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
