"""Rows the mobility record tests build on: a Kazakh home, a Polish host, an agreement
between them with a mobility provision, and mobilities written straight to the table."""

import datetime as dt
from typing import Any

import factory

from accord.agreements.models import AgreementStatus, Provision, ProvisionKind
from accord.mobility.checks import academic_year_of
from accord.mobility.models import Funding, Mobility, MobilityKind, MobilityStatus
from tests.factories import AgreementFactory, InstitutionFactory, MembershipFactory

START = dt.date(2025, 10, 1)
END = dt.date(2026, 2, 28)


class MobilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mobility

    given_names = factory.Sequence(lambda n: f"Aigerim{n}")
    family_name = factory.Sequence(lambda n: f"Nurlanova{n}")
    email = factory.Sequence(lambda n: f"student{n}@kaznu.kz")
    home_institution = factory.SubFactory(InstitutionFactory, country="KZ")
    host_institution = factory.SubFactory(InstitutionFactory, country="PL")
    home_country = factory.LazyAttribute(lambda m: m.home_institution.country)
    host_country = factory.LazyAttribute(lambda m: m.host_institution.country)
    kind = MobilityKind.SEMESTER_EXCHANGE
    start_date = START
    end_date = END
    academic_year = factory.LazyAttribute(lambda m: academic_year_of(m.start_date))
    funding = Funding.GOVERNMENT
    status = MobilityStatus.PLANNED


def mobility_provision(
    agreement: Any,
    home: Any,
    host: Any,
    *,
    places: int = 2,
    first: str = "2024/2025",
    last: str = "2027/2028",
    mobility_type: str = "student_studies",
) -> Provision:
    return Provision.objects.create(
        agreement=agreement,
        kind=ProvisionKind.MOBILITY,
        terms={
            "sending_institution": home.pk,
            "receiving_institution": host.pk,
            "mobility_type": mobility_type,
            "places_per_year": places,
            "total_months": "10.0",
            "academic_year_from": first,
            "academic_year_to": last,
        },
    )


def active_agreement(home: Any, host: Any) -> Any:
    return AgreementFactory(
        parties=[home, host], status=AgreementStatus.ACTIVE, title="KazNU-UW exchange"
    )


def values(home: Any, host: Any, **changes: Any) -> dict[str, Any]:
    """What an officer enters for a good mobility from `home` to `host`."""
    return {
        "given_names": "Aigerim",
        "family_name": "Nurlanova",
        "email": "aigerim@kaznu.kz",
        "birth_date": dt.date(2003, 5, 17),
        "nationality": "KZ",
        "home_institution": home,
        "host_institution": host,
        "kind": MobilityKind.SEMESTER_EXCHANGE,
        "eqf_level": 6,
        "isced_code": "0611",
        "start_date": START,
        "end_date": END,
        "funding": Funding.GOVERNMENT,
        "programme": "Bolashak",
        **changes,
    }


def officer_of(institution: Any, role: str = "officer") -> Any:
    return MembershipFactory(institution=institution, role=role).user


def mobilities(home, host, n: int, **fields: Any) -> list[Mobility]:
    """`n` mobilities from `home` to `host`, alike but for their people."""
    return [
        MobilityFactory(home_institution=home, host_institution=host, **fields) for _ in range(n)
    ]
