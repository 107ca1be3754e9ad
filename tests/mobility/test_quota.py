"""A mobility provision's places per academic year: counted from `planned` on, refused with a
message naming the provision, the year and the places, also when officers save at once."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accord.mobility import services
from accord.mobility.models import Mobility, MobilityStatus
from tests.factories import InstitutionFactory
from tests.mobility.records import (
    MobilityFactory,
    active_agreement,
    mobility_provision,
    officer_of,
    values,
)


@pytest.fixture
def home(db):
    return InstitutionFactory(name="Al-Farabi Kazakh National University", country="KZ")


@pytest.fixture
def host(db):
    return InstitutionFactory(name="University of Warsaw", country="PL")


@pytest.fixture
def provision(home, host):
    return mobility_provision(active_agreement(home, host), home, host, places=2)


@pytest.mark.django_db
def test_places_of_a_year_are_taken_then_refused(home, host, provision):
    officer = officer_of(home)
    for _ in range(2):
        services.mobility_create(actor=officer, **values(home, host, provision=provision))

    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=officer, **values(home, host, provision=provision))

    message = raised.value.message_dict["provision"][0]
    assert "KazNU-UW exchange" in message
    assert "has 2 places in 2025/2026 and all 2 are taken" in message
    assert Mobility.objects.count() == 2


@pytest.mark.django_db
def test_another_academic_year_has_its_own_places(home, host, provision):
    officer = officer_of(home)
    MobilityFactory.create_batch(
        2, home_institution=home, host_institution=host, provision=provision
    )

    mobility = services.mobility_create(
        actor=officer,
        **values(
            home,
            host,
            provision=provision,
            start_date=dt.date(2026, 10, 1),
            end_date=dt.date(2027, 2, 1),
        ),
    )

    assert mobility.academic_year == "2026/2027"


@pytest.mark.django_db
def test_cancelled_mobilities_free_their_place(home, host, provision):
    officer = officer_of(home)
    MobilityFactory(home_institution=home, host_institution=host, provision=provision)
    MobilityFactory(
        home_institution=home,
        host_institution=host,
        provision=provision,
        status=MobilityStatus.CANCELLED,
    )

    services.mobility_create(actor=officer, **values(home, host, provision=provision))

    assert Mobility.objects.filter(provision=provision).count() == 3


@pytest.mark.django_db
def test_a_year_outside_the_provision_is_refused(home, host, provision):
    with pytest.raises(ValidationError) as raised:
        services.mobility_create(
            actor=officer_of(home),
            **values(
                home,
                host,
                provision=provision,
                start_date=dt.date(2030, 10, 1),
                end_date=dt.date(2031, 1, 1),
            ),
        )

    assert raised.value.message_dict["provision"] == [
        "The provision “Mobility (KazNU-UW exchange)” covers the academic years 2024/2025 "
        "to 2027/2028; this mobility starts in 2030/2031."
    ]


@pytest.mark.django_db
def test_moving_a_mobility_into_a_full_year_is_refused(home, host, provision):
    officer = officer_of(home)
    MobilityFactory.create_batch(
        2,
        home_institution=home,
        host_institution=host,
        provision=provision,
        start_date=dt.date(2026, 10, 1),
        end_date=dt.date(2027, 1, 1),
        academic_year="2026/2027",
    )
    mobility = services.mobility_create(actor=officer, **values(home, host, provision=provision))

    with pytest.raises(ValidationError) as raised:
        services.mobility_update(
            actor=officer,
            mobility=mobility,
            start_date=dt.date(2026, 10, 1),
            end_date=dt.date(2027, 1, 1),
        )

    assert "has 2 places in 2026/2027" in raised.value.message_dict["provision"][0]


@pytest.mark.django_db
def test_editing_a_name_does_not_recount_places(home, host, provision):
    officer = officer_of(home)
    mobility = services.mobility_create(actor=officer, **values(home, host, provision=provision))
    # Places taken beyond the provision, as an older register might hold them.
    MobilityFactory.create_batch(
        2, home_institution=home, host_institution=host, provision=provision
    )

    services.mobility_update(actor=officer, mobility=mobility, family_name="Nurlanova-Kim")

    mobility.refresh_from_db()
    assert mobility.family_name == "Nurlanova-Kim"


@pytest.mark.django_db
def test_nominating_beyond_the_places_is_refused(home, host, provision):
    officer = officer_of(home)
    mobility = services.mobility_create(actor=officer, **values(home, host, provision=provision))
    MobilityFactory.create_batch(
        2, home_institution=home, host_institution=host, provision=provision
    )

    with pytest.raises(ValidationError) as raised:
        services.mobility_transition(actor=officer, mobility=mobility, to="nominated")

    assert "all 2 are taken" in raised.value.message_dict["status"][0]


@pytest.mark.django_db
def test_a_staff_provision_refuses_a_student(home, host):
    agreement = active_agreement(home, host)
    staff_only = mobility_provision(agreement, home, host, mobility_type="staff_teaching")

    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=officer_of(home), **values(home, host, provision=staff_only))

    assert raised.value.message_dict == {"provision": ["The provision is for staff."]}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_officers_take_exactly_the_places(home, host):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    places, officers = 3, 8
    provision = mobility_provision(active_agreement(home, host), home, host, places=places)
    actors = [officer_of(home) for _ in range(officers)]
    barrier = threading.Barrier(officers)
    created: list[int] = []
    refused: list[str] = []

    def record(actor) -> None:
        try:
            barrier.wait()
            mobility = services.mobility_create(
                actor=actor, **values(home, host, provision=provision)
            )
            created.append(mobility.pk)
        except ValidationError as error:
            refused.append(error.message_dict["provision"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(created) == places
    assert len(refused) == officers - places
    assert all("all 3 are taken" in message for message in refused)
    assert Mobility.objects.filter(provision=provision).count() == places
