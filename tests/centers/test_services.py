import datetime as dt
import math
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation
from django.utils.formats import date_format

from accord.agreements.models import AgreementStatus
from accord.agreements.services import agreement_transition, agreements_expire_due
from accord.centers import services
from accord.centers.models import Booking, BookingStatus, ResearchCenter
from accord.centers.selectors import bookings_to_decide
from accord.centers.services.bookings import BOOKINGS_PER_BATCH
from accord.core.audit import audit_events_for
from accord.core.models import AuditEvent, Role
from tests.centers.world import at, build_world, member, next_monday, request
from tests.queries import insert_queries

pytestmark = pytest.mark.django_db
B = BookingStatus


def test_host_member_request_is_pending_and_managers_are_mailed(django_capture_on_commit_callbacks):
    world = build_world()
    with django_capture_on_commit_callbacks(execute=True):
        booking = request(world, world.researcher, at(next_monday(), 10))
    assert booking.status == B.REQUESTED
    assert booking.institution == world.host
    assert booking.agreement is None
    assert [m.to for m in mail.outbox] == [[world.manager.email]]
    assert [e.action for e in audit_events_for(booking)] == ["booking.requested"]


def test_range_ending_before_it_starts_is_rejected():
    world = build_world()
    start = at(next_monday(), 12)
    with pytest.raises(ValidationError) as error:
        services.booking_request(
            actor=world.researcher,
            facility=world.facility,
            starts_at=start,
            ends_at=start - dt.timedelta(hours=1),
            purpose="Scanning",
        )
    assert error.value.message_dict == {"ends_at": ["The booking must end after it starts."]}
    assert Booking.objects.count() == 0


def test_range_outside_opening_hours_is_rejected():
    world = build_world()
    with pytest.raises(ValidationError) as error:
        request(world, world.researcher, at(next_monday(), 16), hours=2)
    assert "outside the facility's opening hours" in error.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError):
        request(world, world.researcher, at(next_monday() + dt.timedelta(days=5), 10))  # Saturday
    assert Booking.objects.count() == 0


def test_every_problem_is_reported_at_once():
    world = build_world()
    with pytest.raises(ValidationError) as error:
        services.booking_request(
            actor=world.researcher,
            facility=world.facility,
            starts_at=at(next_monday(), 7),
            ends_at=at(next_monday(), 8),
            purpose=" ",
            project="x" * 301,
        )
    assert sorted(error.value.message_dict) == ["project", "purpose", "starts_at"]


def test_slot_in_a_blackout_is_rejected():
    world = build_world()
    day = next_monday()
    services.blackout_add(
        actor=world.manager,
        facility=world.facility,
        starts_at=at(day, 0),
        ends_at=at(day, 13),
        reason="Calibration",
    )
    with pytest.raises(ValidationError) as error:
        request(world, world.researcher, at(day, 11))
    assert "Calibration" in error.value.message_dict["starts_at"][0]
    assert request(world, world.researcher, at(day, 13)).status == B.REQUESTED


def test_past_slot_is_rejected():
    world = build_world()
    with pytest.raises(ValidationError) as error:
        request(world, world.researcher, at(next_monday(weeks=-1), 10))
    assert "in the past" in error.value.message_dict["starts_at"][0]


def test_overlapping_booking_at_capacity_is_rejected():
    world = build_world()
    first = request(world, world.researcher, at(next_monday(), 10), hours=2)
    services.booking_approve(actor=world.manager, booking=first)
    other = member(world.host)
    with pytest.raises(ValidationError) as error:
        request(world, other, at(next_monday(), 11))
    assert "fully booked" in error.value.message_dict["starts_at"][0]
    assert request(world, other, at(next_monday(), 12)).status == B.REQUESTED


def test_capacity_two_takes_two_overlapping_approved_bookings():
    world = build_world(capacity=2)
    start = at(next_monday(), 10)
    for _ in range(2):
        booking = request(world, member(world.host), start)
        services.booking_approve(actor=world.manager, booking=booking)
    with pytest.raises(ValidationError):
        request(world, member(world.host), start)


def test_full_slot_can_join_the_waiting_list():
    world = build_world()
    start = at(next_monday(), 10)
    services.booking_approve(actor=world.manager, booking=request(world, world.researcher, start))
    waiting = request(world, world.guest, start, waitlist=True)
    assert waiting.status == B.WAITLISTED


def test_cancelling_an_approved_booking_promotes_the_oldest_waiting_one(
    django_capture_on_commit_callbacks,
):
    world = build_world()
    start = at(next_monday(), 10)
    approved = request(world, world.researcher, start)
    services.booking_approve(actor=world.manager, booking=approved)
    first = request(world, world.guest, start, waitlist=True)
    second = request(world, member(world.host), start, waitlist=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(actor=world.researcher, booking=approved, reason="Ill")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (approved.status, first.status, second.status) == (
        B.CANCELLED,
        B.REQUESTED,
        B.WAITLISTED,
    )
    assert world.guest.email in [address for m in mail.outbox for address in m.to]
    services.booking_approve(actor=world.manager, booking=first)


def test_waiting_list_on_a_facility_for_three_fills_each_freed_place_in_turn(
    django_capture_on_commit_callbacks,
):
    world = build_world(capacity=3)
    start = at(next_monday(), 10)
    approved = [request(world, member(world.host), start) for _ in range(3)]
    for booking in approved:
        services.booking_approve(actor=world.manager, booking=booking)
    with pytest.raises(ValidationError):
        request(world, member(world.host), start)
    first = request(world, world.guest, start, waitlist=True)
    second = request(world, member(world.host), start, waitlist=True)
    third = request(world, member(world.host), start, waitlist=True)
    assert {first.status, second.status, third.status} == {B.WAITLISTED}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(actor=world.manager, booking=approved[0], reason="Moved")
    statuses = [Booking.objects.get(pk=b.pk).status for b in (first, second, third)]
    assert statuses == [B.REQUESTED, B.WAITLISTED, B.WAITLISTED]
    assert [m.to for m in mail.outbox if "freed up" in m.subject] == [[world.guest.email]]

    services.booking_approve(actor=world.manager, booking=first)
    services.booking_cancel(actor=approved[1].requester, booking=approved[1])
    statuses = [Booking.objects.get(pk=b.pk).status for b in (first, second, third)]
    assert statuses == [B.APPROVED, B.REQUESTED, B.WAITLISTED]

    # A request holds no place, so withdrawing one promotes nobody; the next place an
    # approved booking frees goes to the next in line.
    services.booking_cancel(actor=second.requester, booking=second)
    assert Booking.objects.get(pk=third.pk).status == B.WAITLISTED
    services.booking_cancel(actor=approved[2].requester, booking=approved[2])
    third.refresh_from_db()
    assert third.status == B.REQUESTED
    services.booking_approve(actor=world.manager, booking=third)
    assert (
        Booking.objects.filter(facility=world.facility, status=B.APPROVED, starts_at=start).count()
        == 2
    )


def test_raising_the_capacity_gives_the_new_places_to_the_oldest_waiting(
    django_capture_on_commit_callbacks,
):
    world = build_world(capacity=1)
    start = at(next_monday(), 10)
    services.booking_approve(actor=world.manager, booking=request(world, world.guest, start))
    first = request(world, member(world.host), start, waitlist=True)
    second = request(world, member(world.host), start, waitlist=True)
    third = request(world, member(world.host), start, waitlist=True)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.facility_update(actor=world.manager, facility=world.facility, capacity=3)

    statuses = [Booking.objects.get(pk=b.pk).status for b in (first, second, third)]
    assert statuses == [B.REQUESTED, B.REQUESTED, B.WAITLISTED]
    assert sorted(m.to[0] for m in mail.outbox if "freed up" in m.subject) == sorted(
        [first.requester.email, second.requester.email]
    )
    # Lowering it promotes nobody.
    services.facility_update(actor=world.manager, facility=world.facility, capacity=2)
    assert Booking.objects.get(pk=third.pk).status == B.WAITLISTED


def test_approval_mail_names_the_facility_and_time_to_the_requester(
    django_capture_on_commit_callbacks,
):
    world = build_world()
    monday = next_monday()
    booking = request(world, world.guest, at(monday, 10), hours=2)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_approve(actor=world.manager, booking=booking)
    [message] = mail.outbox
    assert message.to == [world.guest.email]
    day = date_format(monday, "DATE_FORMAT")
    facility = "Manuscript scanner (Azerbaijani Center of History and Culture)"
    assert message.subject == f"Booking approved: {facility}, {day} 10:00-12:00"
    assert f"The booking of {facility} on {day} 10:00-12:00 by " in message.body
    assert "Purpose: Scanning manuscripts" in message.body
    assert f"Under the agreement: {world.agreement}" in message.body
    assert message.body.rstrip().endswith("Accord")
    assert f"/centers/bookings/{booking.pk}/" in message.body


def test_approving_when_the_slot_filled_meanwhile_is_refused():
    world = build_world()
    start = at(next_monday(), 10)
    first = request(world, world.researcher, start)
    second = request(world, world.guest, start)
    services.booking_approve(actor=world.manager, booking=first)
    with pytest.raises(ValidationError) as error:
        services.booking_approve(actor=world.manager, booking=second)
    assert "fully booked" in error.value.message_dict["starts_at"][0]
    second.refresh_from_db()
    assert second.status == B.REQUESTED


def test_approving_by_someone_who_does_not_manage_the_center_is_refused():
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    partner_officer = member(world.partner, Role.OFFICER)
    for user in (world.researcher, world.guest, partner_officer):
        with pytest.raises(PermissionDenied):
            services.booking_approve(actor=user, booking=booking)
    booking.refresh_from_db()
    assert booking.status == B.REQUESTED


def test_officer_of_the_host_manages_every_center(django_capture_on_commit_callbacks):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_approve(actor=world.officer, booking=booking)
    assert booking.status == B.APPROVED
    assert booking.decided_by == world.officer
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        [world.guest.email, world.manager.email]
    )


def test_rejection_needs_a_reason_and_mails_the_requester(django_capture_on_commit_callbacks):
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    with pytest.raises(ValidationError) as error:
        services.booking_reject(actor=world.manager, booking=booking, reason="  ")
    assert list(error.value.message_dict) == ["reason"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_reject(actor=world.manager, booking=booking, reason="Under repair")
    booking.refresh_from_db()
    assert (booking.status, booking.decision_reason) == (B.REJECTED, "Under repair")
    assert any("Under repair" in m.body and m.to == [world.guest.email] for m in mail.outbox)


def test_mail_goes_out_in_the_recipients_language(django_capture_on_commit_callbacks):
    world = build_world()
    world.guest.language = "ru"
    world.guest.save()
    ResearchCenter.objects.filter(pk=world.center.pk).update(
        names={"ru": "Центр истории и культуры Азербайджана"}
    )
    world.agreement.titles = {"ru": "Меморандум КазНУ и НАНА"}
    world.agreement.save()
    booking = request(world, world.guest, at(next_monday(), 10))
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_approve(actor=world.manager, booking=booking)

    (message,) = [m for m in mail.outbox if world.guest.email in m.to]
    with translation.override("ru"):
        day = date_format(next_monday(), "DATE_FORMAT")
    assert message.subject == (
        "Бронирование подтверждено: Manuscript scanner "
        f"(Центр истории и культуры Азербайджана), {day} 10:00-11:00"
    )
    assert "В рамках соглашения: Меморандум КазНУ и НАНА" in message.body


def test_cancelling_someone_elses_booking_is_refused():
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    with pytest.raises(PermissionDenied):
        services.booking_cancel(actor=world.researcher, booking=booking)
    booking.refresh_from_db()
    assert booking.status == B.REQUESTED
    services.booking_cancel(actor=world.manager, booking=booking, reason="Closed that day")
    assert booking.status == B.CANCELLED


def test_a_decided_booking_cannot_be_cancelled_or_approved_again():
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    services.booking_reject(actor=world.manager, booking=booking, reason="No")
    with pytest.raises(ValidationError):
        services.booking_cancel(actor=world.guest, booking=booking)
    with pytest.raises(ValidationError):
        services.booking_approve(actor=world.manager, booking=booking)


def test_weekly_series_shares_one_series_id(django_capture_on_commit_callbacks):
    world = build_world()
    with django_capture_on_commit_callbacks(execute=True):
        bookings = services.booking_request(
            actor=world.researcher,
            facility=world.facility,
            starts_at=at(next_monday(), 10),
            ends_at=at(next_monday(), 12),
            purpose="Weekly scanning",
            repeat_weeks=3,
        )
    assert "A weekly series of 4 bookings" in mail.outbox[0].body
    assert len(bookings) == 4
    assert len({b.series for b in bookings}) == 1 and bookings[0].series is not None
    assert [b.starts_at for b in bookings] == [
        at(next_monday() + dt.timedelta(weeks=n), 10) for n in range(4)
    ]


def test_weekly_series_is_all_or_nothing():
    world = build_world()
    third = next_monday() + dt.timedelta(weeks=2)
    services.blackout_add(
        actor=world.manager,
        facility=world.facility,
        starts_at=at(third, 0),
        ends_at=at(third, 23),
        reason="Holiday",
    )
    with pytest.raises(ValidationError) as error:
        services.booking_request(
            actor=world.researcher,
            facility=world.facility,
            starts_at=at(next_monday(), 10),
            ends_at=at(next_monday(), 11),
            purpose="Weekly",
            repeat_weeks=3,
        )
    assert "Holiday" in error.value.message_dict["starts_at"][0]
    assert Booking.objects.count() == 0


def test_untrained_user_on_a_gated_facility_is_refused():
    world = build_world(requires_training=True)
    with pytest.raises(PermissionDenied) as error:
        request(world, world.guest, at(next_monday(), 10))
    assert "Handling of fragile manuscripts" in str(error.value)
    services.training_grant(actor=world.manager, facility=world.facility, user=world.guest)
    assert request(world, world.guest, at(next_monday(), 10)).status == B.REQUESTED
    services.training_revoke(actor=world.manager, facility=world.facility, user=world.guest)
    with pytest.raises(PermissionDenied):
        request(world, world.guest, at(next_monday(), 11))


def test_only_managers_mark_people_trained():
    world = build_world(requires_training=True)
    with pytest.raises(PermissionDenied):
        services.training_grant(actor=world.guest, facility=world.facility, user=world.guest)


def test_terminating_the_agreement_flags_future_bookings(django_capture_on_commit_callbacks):
    world = build_world()
    approved = request(world, world.guest, at(next_monday(), 10))
    services.booking_approve(actor=world.manager, booking=approved)
    pending = request(world, world.guest, at(next_monday(), 12))
    own = request(world, world.researcher, at(next_monday(), 14))
    mail.outbox.clear()
    officer = member(world.host, Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_transition(
            actor=officer, agreement=world.agreement, to_status="terminated", reason="Ended"
        )
    flagged = {b.pk: b.flagged_reason for b in Booking.objects.all()}
    assert flagged[approved.pk] and flagged[pending.pk]
    assert flagged[own.pk] == ""
    assert [m.to for m in mail.outbox] == [[world.manager.email]]
    assert "2 future bookings" in mail.outbox[0].body
    queue = list(bookings_to_decide(world.manager))
    assert queue[:2] == [approved, pending]
    with pytest.raises(PermissionDenied):
        request(world, world.guest, at(next_monday(), 15))
    with pytest.raises(ValidationError) as error:
        services.booking_approve(actor=world.manager, booking=pending)
    assert "no longer active" in error.value.message_dict["agreement"][0]


def test_expiry_flags_future_bookings_and_the_daily_sweep_is_idempotent():
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    world.agreement.valid_to = dt.date(2025, 12, 31)
    world.agreement.save()
    assert agreements_expire_due(today=dt.date(2026, 1, 1) + dt.timedelta(days=10000)) == [
        world.agreement.pk
    ]
    booking.refresh_from_db()
    assert "expired" in booking.flagged_reason
    assert services.bookings_flag_ended_agreements() == 0


def test_bookings_under_an_agreement_ended_without_the_service_are_flagged_daily():
    world = build_world()
    booking = request(world, world.guest, at(next_monday(), 10))
    type(world.agreement).objects.filter(pk=world.agreement.pk).update(
        status=AgreementStatus.TERMINATED
    )
    assert services.bookings_flag_ended_agreements() == 1
    booking.refresh_from_db()
    assert booking.flagged_reason


def test_past_approved_bookings_are_completed():
    world = build_world()
    booking = request(world, world.researcher, at(next_monday(), 10))
    services.booking_approve(actor=world.manager, booking=booking)
    assert services.bookings_complete_past(at(next_monday(), 10, 30)) == 0
    assert services.bookings_complete_past(at(next_monday(), 11)) == 1
    booking.refresh_from_db()
    assert booking.status == B.COMPLETED


def past_and_future_bookings(world, count):
    """`count` approved bookings that ended yesterday and `count` future ones under the
    partner's agreement, written in bulk: a large center's day of work for the daily jobs."""
    yesterday = at(next_monday(), 10) - dt.timedelta(days=8)
    tomorrow = at(next_monday(), 10) + dt.timedelta(days=7)
    Booking.objects.bulk_create(
        Booking(
            facility=world.facility,
            requester=requester,
            institution=institution,
            agreement=agreement,
            starts_at=start + dt.timedelta(minutes=i),
            ends_at=start + dt.timedelta(minutes=i + 1),
            purpose="Scanning",
            status=B.APPROVED,
        )
        for start, requester, institution, agreement in (
            (yesterday, world.researcher, world.host, None),
            (tomorrow, world.guest, world.partner, world.agreement),
        )
        for i in range(count)
    )


def test_the_booking_jobs_take_a_fixed_number_of_queries_per_batch(
    count_queries, django_capture_on_commit_callbacks
):
    world = build_world()
    type(world.agreement).objects.filter(pk=world.agreement.pk).update(
        status=AgreementStatus.TERMINATED
    )
    queries = {}
    for count in (450, 900):
        Booking.objects.all().delete()
        past_and_future_bookings(world, count)
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True), count_queries() as run:
            assert services.bookings_complete_past() == count
            assert services.bookings_flag_ended_agreements() == count

        queries[count] = len(run.captured_queries)
        assert Booking.objects.filter(status=B.COMPLETED).count() == count
        assert Booking.objects.exclude(flagged_reason="").count() == count
        assert [m.to for m in mail.outbox] == [[world.manager.email]]

    # A fixed number of queries per batch of bookings, none per booking: completing reads,
    # updates and records a batch in its transaction; flagging updates and records it.
    audit = insert_queries(AuditEvent, BOOKINGS_PER_BATCH, batch_size=100)
    per_batch = (4 + audit) + (1 + audit)
    batches_added = math.ceil(900 / BOOKINGS_PER_BATCH) - math.ceil(450 / BOOKINGS_PER_BATCH)
    assert queries[900] - queries[450] <= per_batch * batches_added
    assert AuditEvent.objects.filter(action="booking.completed").count() == 450 + 900


def test_daily_command_runs_the_booking_tasks():
    out = StringIO()
    call_command("daily", stdout=out)
    assert "complete_past_bookings" in out.getvalue()
    assert "flag_bookings_of_ended_agreements" in out.getvalue()


def test_center_slug_is_unique_and_only_officers_create_centers():
    world = build_world()
    second = services.center_create(
        actor=world.officer, institution=world.host, name=world.center.name
    )
    assert second.slug == f"{world.center.slug}-2"
    with pytest.raises(PermissionDenied):
        services.center_create(actor=world.researcher, institution=world.host, name="Lab")
    with pytest.raises(PermissionDenied):
        services.center_create(actor=world.officer, institution=world.partner, name="Lab")
    assert ResearchCenter.objects.count() == 2


def test_center_and_facility_input_is_checked_field_by_field():
    world = build_world()
    with pytest.raises(ValidationError) as error:
        services.center_create(
            actor=world.officer, institution=world.host, name=" ", contact_email="nope"
        )
    assert sorted(error.value.message_dict) == ["contact_email", "name"]
    with pytest.raises(ValidationError) as error:
        services.facility_create(
            actor=world.officer,
            center=world.center,
            name="",
            kind="spaceship",
            capacity=0,
            slot_minutes=1,
            price_per_hour="12.5",
        )
    assert sorted(error.value.message_dict) == [
        "capacity",
        "currency",
        "kind",
        "name",
        "slot_minutes",
    ]


def test_updates_are_audited():
    world = build_world()
    services.center_update(actor=world.manager, center=world.center, city="Almaty city")
    services.facility_update(actor=world.manager, facility=world.facility, capacity=3)
    assert {e.action for e in audit_events_for(world.center)} == {
        "center.updated",
        "center.managers_changed",
        "center.created",
    }
    assert world.facility.capacity == 3
    with pytest.raises(PermissionDenied):
        services.facility_update(actor=world.guest, facility=world.facility, capacity=9)
    with pytest.raises(ValidationError):
        services.center_update(actor=world.manager, center=world.center, slug="new")


def test_overlapping_opening_periods_are_rejected():
    world = build_world()
    with pytest.raises(ValidationError) as error:
        services.opening_hours_set(
            actor=world.manager,
            facility=world.facility,
            hours=[
                (0, dt.time(9), dt.time(12)),
                (0, dt.time(11), dt.time(14)),
                (8, dt.time(9), dt.time(10)),
            ],
        )
    assert len(error.value.message_dict["hours"]) == 2
    assert world.facility.opening_hours.count() == 5


def test_blackout_needs_a_reason_and_an_end_after_its_start():
    world = build_world()
    with pytest.raises(ValidationError) as error:
        services.blackout_add(
            actor=world.manager,
            facility=world.facility,
            starts_at=at(next_monday(), 12),
            ends_at=at(next_monday(), 10),
            reason="",
        )
    assert sorted(error.value.message_dict) == ["ends_at", "reason"]
