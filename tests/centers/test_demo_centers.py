"""The demo's research centers: KazNU's Azerbaijani center and ANAS's laboratories, opened to
each other's scientists by the seed memorandum, with bookings past and future."""

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accord.agreements.models import Agreement, ProvisionKind
from accord.centers import selectors
from accord.centers.demo import ANAS_CENTER_NAME, centers_demo_load
from accord.centers.models import Booking, BookingStatus, Facility, ResearchCenter
from accord.core.demo import CENTER_NAME, SEED_TITLE, demo_load
from accord.core.models import User

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
B = BookingStatus


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
        result = demo_load()
        yield result
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demo_reports_the_center_rows_it_added_and_adds_none_again(demo):
    assert demo.centers > 0
    assert centers_demo_load(timezone.localdate()) == 0


@pytest.mark.django_db
def test_kaznu_center_is_the_azerbaijani_center_unit_managed_by_the_officer(demo):
    center = ResearchCenter.objects.get(name=CENTER_NAME)

    assert center.institution.schac_code == "kaznu.kz"
    assert center.unit is not None and center.unit.name == CENTER_NAME
    assert center.is_public
    assert [user.username for user in center.managers.all()] == ["kaznu-officer"]
    assert sorted(center.facilities.values_list("name", flat=True)) == [
        "Archive reading room",
        "Digitisation lab",
        "Manuscript collection",
        "Seminar room",
    ]
    lab = center.facilities.get(name="Digitisation lab")
    assert lab.requires_training
    assert lab.blackouts.filter(ends_at__gt=timezone.now()).exists()
    assert set(lab.trainings.values_list("user__username", flat=True)) == {"anas-researcher"}
    assert all(facility.opening_hours.exists() for facility in center.facilities.all())


@pytest.mark.django_db
def test_anas_laboratories_are_managed_by_the_coordinator(demo):
    center = ResearchCenter.objects.get(name=ANAS_CENTER_NAME)

    assert center.institution.schac_code == "science.az"
    assert [user.username for user in center.managers.all()] == ["anas-coordinator"]
    assert center.facilities.filter(kind="instrument", requires_training=True).count() == 2


@pytest.mark.django_db
def test_the_memorandum_names_both_centers_in_its_center_access_provision(demo):
    memorandum = Agreement.objects.get(title=SEED_TITLE)
    terms = memorandum.provisions.get(kind=ProvisionKind.CENTER_ACCESS).terms

    assert sorted(terms["center_ids"]) == sorted(
        ResearchCenter.objects.filter(name__in=[CENTER_NAME, ANAS_CENTER_NAME]).values_list(
            "pk", flat=True
        )
    )
    assert terms["hours_per_year"] == 400


@pytest.mark.django_db
def test_each_side_may_book_the_other_sides_center_under_the_memorandum(demo):
    researcher = User.objects.get(username="anas-researcher")
    reviewer = User.objects.get(username="kaznu-reviewer")
    reading_room = Facility.objects.get(name="Archive reading room")
    diffractometer = Facility.objects.get(name="X-ray diffractometer")

    (grant,) = selectors.access_grants(researcher, reading_room)
    assert grant.agreement.title == SEED_TITLE
    assert selectors.can_book(reviewer, diffractometer)


@pytest.mark.django_db
def test_bookings_span_the_past_and_the_future(demo):
    now = timezone.now()
    researcher = Booking.objects.filter(requester__username="anas-researcher")

    assert researcher.filter(status=B.COMPLETED, ends_at__lt=now).count() >= 4
    assert researcher.filter(status=B.APPROVED, starts_at__gt=now).exists()
    assert researcher.filter(status=B.REQUESTED, starts_at__gt=now).exists()
    assert researcher.filter(status=B.REJECTED).exclude(decision_reason="").exists()
    assert (
        Booking.objects.exclude(requester__username="anas-researcher")
        .filter(starts_at__gt=now)
        .exists()
    )
    assert not Booking.objects.filter(status=B.COMPLETED, ends_at__gt=now).exists()
    assert selectors.bookings_to_decide(User.objects.get(username="kaznu-officer")).exists()


@pytest.mark.django_db
def test_the_memorandum_shows_center_hours_among_its_outcomes(demo):
    usage = selectors.agreement_center_usage(Agreement.objects.get(title=SEED_TITLE))

    assert {row.center.name for row in usage} == {CENTER_NAME, ANAS_CENTER_NAME}
    assert sum(row.hours_done for row in usage) > 0
    assert sum(row.upcoming for row in usage) > 0
