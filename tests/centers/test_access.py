import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from accord.agreements.models import AgreementStatus, ProvisionKind
from accord.agreements.provisions import provision_summary, provision_terms_clean
from accord.centers import rules, selectors, services
from accord.centers.models import Booking, BookingStatus
from accord.core.models import Role
from tests.centers.world import at, build_world, member, next_monday, request
from tests.factories import AgreementFactory, InstitutionFactory, ProvisionFactory, UnitFactory

pytestmark = pytest.mark.django_db
B = BookingStatus


def test_partner_books_under_the_agreement_that_opens_the_center():
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10), hours=3)
    assert (booking.institution, booking.agreement, booking.provision) == (
        world.partner,
        world.agreement,
        world.provision,
    )
    [grant] = selectors.access_grants(world.guest, world.facility)
    assert (grant.hours_per_year, grant.hours_used, grant.hours_left) == (100, 3.0, 97.0)


@pytest.mark.parametrize(
    "status", [AgreementStatus.DRAFT, AgreementStatus.EXPIRED, AgreementStatus.TERMINATED]
)
def test_partner_without_an_active_agreement_is_refused(status):
    world = build_world(agreement_status=status)
    assert not selectors.can_book(world.guest, world.facility)
    with pytest.raises(PermissionDenied) as error:
        request(world, world.guest, at(next_monday(), 10))
    assert "active agreement" in str(error.value)
    assert Booking.objects.count() == 0


def test_provision_that_does_not_name_the_center_grants_nothing():
    world = build_world()
    world.provision.terms = {"centers": ["Some other center"], "hours_per_year": 10}
    world.provision.save()
    assert selectors.access_grants(world.guest, world.facility) == []


def test_provision_naming_the_centers_unit_grants_access():
    world = build_world()
    unit = UnitFactory(institution=world.host)
    services.center_update(actor=world.officer, center=world.center, unit=unit)
    world.provision.terms = {"unit_ids": [unit.pk], "hours_per_year": 10}
    world.provision.save()
    assert selectors.can_book(world.guest, world.facility)


def test_outsider_is_refused():
    world = build_world()
    outsider = member(InstitutionFactory(country="PL"))
    with pytest.raises(PermissionDenied):
        request(world, outsider, at(next_monday(), 10))


def test_quota_exceeded_is_refused_naming_the_hours_left():
    world = build_world(hours_per_year=5)
    request(world, world.guest, at(next_monday(), 9), hours=4)
    with pytest.raises(ValidationError) as error:
        request(world, member(world.partner), at(next_monday(), 13), hours=2)
    [message] = error.value.messages
    assert "allows 5 hours a year" in message and "1 of them are left" in message
    assert request(world, world.guest, at(next_monday(), 13)).provision == world.provision


def test_rejected_and_cancelled_bookings_give_their_hours_back():
    world = build_world(hours_per_year=2)
    booking = request(world, world.guest, at(next_monday(), 9), hours=2)
    services.booking_reject(actor=world.manager, booking=booking, reason="No")
    assert request(world, world.guest, at(next_monday(), 11), hours=2).status == B.REQUESTED


def test_quota_counts_a_series_per_calendar_year():
    world = build_world(hours_per_year=3)
    with pytest.raises(ValidationError):
        services.booking_request(
            actor=world.guest,
            facility=world.facility,
            starts_at=at(next_monday(), 9),
            ends_at=at(next_monday(), 11),
            purpose="Weekly",
            repeat_weeks=1,
        )


def test_host_member_has_no_quota():
    world = build_world(hours_per_year=1)
    assert request(world, world.researcher, at(next_monday(), 9), hours=8).agreement is None


def test_center_managers_by_rule():
    world = build_world()
    staff = member(world.partner, is_staff=True)
    host_admin = member(world.host, Role.ADMIN)
    assert [
        rules.is_center_manager(user, world.center)
        for user in (world.officer, world.manager, host_admin, staff, world.researcher, world.guest)
    ] == [True, True, True, True, False, False]


def test_booking_rules_for_requester_manager_and_others():
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    users = (world.guest, world.manager, world.researcher)
    assert [rules.can_view_booking(u, booking) for u in users] == [True, True, False]
    assert [rules.can_cancel_booking(u, booking) for u in users] == [True, True, False]
    assert [rules.can_decide_booking(u, booking) for u in users] == [False, True, False]
    assert [u.has_perm("centers.book_facility", world.facility) for u in users] == [
        True,
        True,
        True,
    ]


def test_private_center_is_seen_by_those_who_may_book_it_only():
    world = build_world()
    services.center_update(actor=world.officer, center=world.center, is_public=False)
    outsider = member(InstitutionFactory(country="PL"))
    assert list(selectors.centers_visible_to(world.guest)) == [world.center]
    assert list(selectors.centers_visible_to(world.researcher)) == [world.center]
    assert list(selectors.centers_visible_to(outsider)) == []
    with pytest.raises(Http404):
        selectors.center_for(outsider, world.center.slug)
    assert selectors.center_for(world.guest, world.center.slug) == world.center


def test_bookings_to_decide_shows_requests_of_managed_centers_only(count_queries):
    world = build_world()
    other = build_world()
    mine = request(world, world.guest, at(next_monday(), 10))
    request(other, other.guest, at(next_monday(), 10))
    assert list(selectors.bookings_to_decide(world.manager)) == [mine]
    assert list(selectors.bookings_to_decide(world.guest)) == []


def test_bookings_to_decide_query_count_is_constant(count_queries):
    world = build_world(capacity=50)
    request(world, world.guest, at(next_monday(), 10))

    def run() -> int:
        user = type(world.manager).objects.get(pk=world.manager.pk)
        with count_queries() as ctx:
            rows = list(selectors.bookings_to_decide(user))
            for row in rows:
                str(row.facility.center.institution), str(row.requester), str(row.institution)
        return len(ctx.captured_queries)

    one = run()
    for hour in range(11, 16):
        for _ in range(8):
            request(world, member(world.host), at(next_monday(), hour))
    assert run() == one


def test_center_access_terms_take_center_ids_of_the_parties():
    world = build_world()
    foreign = build_world()
    terms = provision_terms_clean(
        ProvisionKind.CENTER_ACCESS,
        {"center_ids": [str(world.center.pk)], "hours_per_year": "40"},
        agreement=world.agreement,
    )
    assert terms["center_ids"] == [world.center.pk]
    with pytest.raises(ValidationError) as error:
        provision_terms_clean(
            ProvisionKind.CENTER_ACCESS,
            {"center_ids": [str(foreign.center.pk)], "hours_per_year": "40"},
            agreement=world.agreement,
        )
    assert "center_ids" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        provision_terms_clean(
            ProvisionKind.CENTER_ACCESS, {"hours_per_year": "40"}, agreement=world.agreement
        )
    assert error.value.message_dict == {"centers": ["Name at least one center."]}


def test_center_access_summary_names_the_centers():
    world = build_world()
    agreement = AgreementFactory(parties=[world.host, world.partner])
    provision = ProvisionFactory(
        agreement=agreement,
        kind=ProvisionKind.CENTER_ACCESS,
        terms={"center_ids": [world.center.pk], "centers": ["Library"], "hours_per_year": 40},
    )
    assert provision_summary(provision) == (
        "Access to research centers: Azerbaijani Center of History and Culture, Library, "
        "40 hours/year"
    )


def test_booking_after_the_agreement_ends_is_refused():
    world = build_world()
    world.agreement.valid_to = next_monday()
    world.agreement.save()
    with pytest.raises(ValidationError) as error:
        request(world, world.guest, at(next_monday(weeks=2), 10))
    # The end date written as the pages write it, not in the ISO form.
    assert f"ends on {next_monday():%-d %b %Y}." in error.value.messages[0]
    assert request(world, world.guest, at(next_monday(), 10)).agreement == world.agreement


def test_center_access_summary_names_each_center_once_in_the_readers_language():
    world = build_world()
    unit = UnitFactory(
        institution=world.host,
        name="Azerbaijani Center of History and Culture",
        names={"ru": "Азербайджанский центр истории и культуры"},
    )
    world.center.unit = unit
    world.center.names = {"ru": "Центр истории и культуры Азербайджана"}
    world.center.save()
    lab = UnitFactory(
        institution=world.host, name="Physics laboratory", names={"ru": "Лаборатория физики"}
    )
    agreement = AgreementFactory(parties=[world.host, world.partner])
    provision = ProvisionFactory(
        agreement=agreement,
        kind=ProvisionKind.CENTER_ACCESS,
        terms={
            "center_ids": [world.center.pk],
            # The center's own unit: named by the center already.
            "unit_ids": [unit.pk, lab.pk],
            "centers": ["Library"],
            "hours_per_year": 40,
        },
    )

    with translation.override("ru"):
        summary = provision_summary(provision)

    assert summary == (
        "Доступ к научным центрам: Центр истории и культуры Азербайджана, Лаборатория физики, "
        "Library, 40 ч/год"
    )
