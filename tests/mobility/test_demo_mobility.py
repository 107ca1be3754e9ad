import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from accord.agreements.models import Provision, ProvisionKind
from accord.core.demo import demo_load
from accord.mobility.checks import academic_year_of
from accord.mobility.demo import mobility_demo_load
from accord.mobility.models import (
    Mobility,
    MobilityStatus,
    ObligationStatus,
    ReturnObligation,
)
from tests.queries import insert_queries

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for this module and rolled back after it."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"), PASSWORD_HASHERS=FAST_HASHER
        ),
        transaction.atomic(),
    ):
        yield demo_load()
        transaction.set_rollback(True)


def flow(home: str, host: str) -> int:
    return (
        Mobility.objects.filter(home_country=home, host_country=host)
        .exclude(status=MobilityStatus.CANCELLED)
        .count()
    )


@pytest.mark.django_db
def test_demo_has_over_a_thousand_kazakh_students_in_poland(demo):
    result = demo

    assert result.mobilities > 0
    assert flow("KZ", "PL") > 1000
    assert flow("KZ", "PL") > flow("KZ", "RU") > 0


@pytest.mark.django_db
def test_demo_has_flows_to_the_countries_of_the_story_and_into_kazakhstan(demo):
    hosts = set(Mobility.objects.filter(home_country="KZ").values_list("host_country", flat=True))
    homes = set(Mobility.objects.filter(host_country="KZ").values_list("home_country", flat=True))

    assert {"PL", "RU", "TR", "DE", "GB", "US", "AZ"} <= hosts
    assert {"AZ", "UZ", "KG"} <= homes


@pytest.mark.django_db
def test_demo_spans_several_academic_years_growing_towards_poland(demo):
    per_year = dict(
        Mobility.objects.filter(home_country="KZ", host_country="PL")
        .values_list("academic_year")
        .annotate(n=Count("pk"))
    )

    assert min(per_year) == "2019/2020"
    assert max(per_year) == academic_year_of(TODAY)
    assert per_year["2024/2025"] > per_year["2019/2020"] > per_year["2020/2021"]


@pytest.mark.django_db
def test_most_completed_students_came_home_and_some_did_not(demo):
    outcomes = dict(
        Mobility.objects.filter(status=MobilityStatus.COMPLETED)
        .values_list("returned_home")
        .annotate(n=Count("pk"))
    )

    assert outcomes[True] > 3 * outcomes[False] > 0
    assert outcomes.get(None, 0) > 0
    assert Mobility.objects.exclude(employer="").exists()


@pytest.mark.django_db
def test_bolashak_obligations_are_pending_fulfilled_and_breached(demo):
    statuses = set(ReturnObligation.objects.values_list("status", flat=True))

    assert {ObligationStatus.PENDING, ObligationStatus.FULFILLED, ObligationStatus.BREACHED} <= (
        statuses
    )
    assert set(ReturnObligation.objects.values_list("programme", flat=True)) == {"Bolashak"}


@pytest.mark.django_db
def test_mobilities_under_a_provision_never_exceed_its_places(demo):
    used = (
        Mobility.objects.filter(provision__isnull=False)
        .values("provision", "academic_year")
        .annotate(n=Count("pk"))
    )
    places = {
        provision.pk: provision.terms["places_per_year"]
        for provision in Provision.objects.filter(kind=ProvisionKind.MOBILITY)
    }

    assert used
    assert all(row["n"] <= places[row["provision"]] for row in used)
    assert Mobility.objects.filter(agreement__isnull=False, provision__isnull=True).exists()


@pytest.mark.django_db
def test_the_demo_student_has_a_mobility_of_their_own(demo):
    mobility = Mobility.objects.get(user__username="kaznu-student")

    assert (mobility.home_institution.schac_code, mobility.host_institution.schac_code) == (
        "kaznu.kz",
        "uw.edu.pl",
    )
    assert mobility.email == mobility.user.email


@pytest.mark.django_db
def test_loading_the_mobilities_again_adds_nothing(demo):
    before = (Mobility.objects.count(), ReturnObligation.objects.count())

    assert mobility_demo_load(TODAY) == 0
    assert (Mobility.objects.count(), ReturnObligation.objects.count()) == before


@pytest.mark.django_db
def test_demo_mobilities_are_written_in_batches(demo, count_queries):
    Mobility.objects.all().delete()

    with count_queries() as queries:
        added = mobility_demo_load(TODAY)

    mobilities, obligations = Mobility.objects.count(), ReturnObligation.objects.count()
    inserts = [query for query in queries.captured_queries if query["sql"].startswith("INSERT")]
    assert added == mobilities + obligations > 3000
    assert len(inserts) == insert_queries(Mobility, mobilities, batch_size=1000) + insert_queries(
        ReturnObligation, obligations, batch_size=1000
    )
    # The reads: whether the demo is there, its institutions, agreements, parties, provisions
    # and student; and the savepoint around the writes.
    assert len(queries.captured_queries) - len(inserts) <= 8
