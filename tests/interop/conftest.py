import datetime as dt
from pathlib import Path

import pytest

from accord.agreements.models import AgreementKind, Provision, ProvisionKind
from accord.agreements.provisions import provision_terms_clean
from tests.factories import AgreementFactory, InstitutionFactory, UserFactory

DATA = Path(__file__).parent / "data"


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(
        name="University of Warsaw", slug="uw", country="PL", schac_code="uw.edu.pl"
    )


@pytest.fixture
def hibo(db):
    return InstitutionFactory(
        name="University of South-Eastern Norway", slug="hibo", country="NO", schac_code="hibo.no"
    )


@pytest.fixture
def staff(db):
    return UserFactory(username="platform-staff", is_staff=True, is_superuser=True)


def mobility(sending, receiving, **overrides):
    """Form data of a mobility provision from `sending` to `receiving`."""
    data = {
        "sending_institution": sending.pk,
        "receiving_institution": receiving.pk,
        "mobility_type": "student_studies",
        "places_per_year": 2,
        "total_months": 10,
        "blended": False,
        "isced_code": "0613",
        "isced_clarification": "Software engineering",
        "eqf_levels": [6, 7],
        "language": "en",
        "cefr_level": "B2",
        "academic_year_from": "2025/2026",
        "academic_year_to": "2029/2030",
    }
    if str(overrides.get("mobility_type", "")).startswith("staff_"):
        data.update(total_months=None, eqf_levels=[])
    data.update(overrides)
    return data


def bilateral(first, second, *provisions, **fields):
    """A bilateral exchange agreement between `first` and `second` with mobility provisions
    (form data, as `mobility` builds it), stored as the form cleans them."""
    values = {"kind": AgreementKind.BILATERAL_EXCHANGE, "title": "Erasmus+ exchange", **fields}
    agreement = AgreementFactory(parties=[first, second], **values)
    for data in provisions:
        Provision.objects.create(
            agreement=agreement,
            kind=ProvisionKind.MOBILITY,
            terms=provision_terms_clean(ProvisionKind.MOBILITY, data, agreement=agreement),
        )
    return agreement


def sign(agreement, on=dt.date(2025, 3, 1)):
    for party in agreement.parties.all():
        party.signatory_name = f"Rector of {party.institution.name}"
        party.signatory_position = "Rector"
        party.signed_on = on
        party.save()
