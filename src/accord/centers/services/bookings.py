"""Bookings: requests (single or weekly series), decisions, cancellation with the waiting
list, completion, and flags when the agreement behind them ends.

Capacity holds under concurrency: each booking write locks its facility's row first
(`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite every write transaction starts IMMEDIATE, so
writers are serialised), then counts the approved bookings it would overlap.
"""

import datetime as dt
import uuid
from collections import Counter, defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.agreements.models import Agreement
from accord.core.audit import audit_record, audit_record_many
from accord.core.models import User

from .. import access, mails
from ..models import (
    Booking,
    Facility,
    Training,
)
from ._base import (
    LIVE,
    MAX_REPEAT_WEEKS,
    PENDING,
    B,
    _locked_facility,
    _raise,
    _require_manager,
)
from .checks import (
    _choose_grant,
    _occurrences,
    _range_problems,
    _when,
    is_full,
    overlapping,
    peak_overlap,
)

# Bookings ------------------------------------------------------------------------------------


def booking_request(
    *,
    actor: User,
    facility: Facility,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    purpose: str,
    project: str = "",
    repeat_weeks: int = 0,
    waitlist: bool = False,
) -> list[Booking]:
    """Ask for `facility` from `starts_at` until `ends_at`, and with `repeat_weeks` > 0 at the
    same time in each of that many following weeks (one series). Each occurrence must lie in
    one opening period, outside blackouts, and fit the capacity; all or nothing.

    The actor must belong to the host institution, or to a partner under an active agreement
    whose center_access provision names the center, with hours left in its yearly quota; a
    facility that requires training takes only people a manager marked trained.
    When an occurrence is full, the request is refused, unless `waitlist` is set: then it
    waits on the waiting list and is promoted when an approved booking there is cancelled.
    Returns the bookings made, in time order; the center's managers are e-mailed."""
    if not facility.is_active:
        raise ValidationError({"facility": _("This facility is not open for bookings.")})
    grants = access.access_grants(actor, facility)
    if not grants:
        raise PermissionDenied(
            _(
                "Only members of %(institution)s and of partners under an active agreement "
                "that opens this center may book it."
            )
            % {"institution": facility.center.institution.display_name}
        )
    if (
        facility.requires_training
        and not Training.objects.filter(facility=facility, user=actor).exists()
    ):
        raise PermissionDenied(
            _("This facility requires training first: %(note)s. Ask the center's manager.")
            % {"note": facility.training_note or _("a safety induction")}
        )
    errors: dict[str, list[str]] = defaultdict(list)
    purpose = str(purpose or "").strip()
    project = " ".join(str(project or "").split())
    if not purpose:
        errors["purpose"].append(_("Say what the booking is for."))
    if len(project) > 300:
        errors["project"].append(_("At most %(n)d characters.") % {"n": 300})
    if not isinstance(repeat_weeks, int) or not 0 <= repeat_weeks <= MAX_REPEAT_WEEKS:
        errors["repeat_weeks"].append(_("Repeat for 0 to %(n)d weeks.") % {"n": MAX_REPEAT_WEEKS})
        repeat_weeks = 0
    if starts_at is None or ends_at is None:
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
            if value is None:
                errors[name].append(_("Give the time."))
        _raise(errors)
    ranges = _occurrences(starts_at, ends_at, repeat_weeks)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_facility(facility)
        statuses: list[str] = []
        for start, end in ranges:
            for name, messages in _range_problems(locked, start, end, now).items():
                errors[name] += messages
            if ends_at <= starts_at:
                break
            full = is_full(locked, start, end)
            if full and not waitlist:
                errors["starts_at"].append(
                    _(
                        "%(when)s is fully booked (%(capacity)d at a time). Choose another "
                        "time or join the waiting list."
                    )
                    % {"when": _when(start), "capacity": locked.capacity}
                )
            statuses.append(B.WAITLISTED if full else B.REQUESTED)
        _raise(dict(errors))
        grant = _choose_grant(grants, ranges)
        series = uuid.uuid4() if repeat_weeks else None
        bookings = Booking.objects.bulk_create(
            Booking(
                facility=locked,
                requester=actor,
                institution=grant.institution,
                agreement=grant.agreement,
                provision=grant.provision,
                starts_at=start,
                ends_at=end,
                purpose=purpose,
                project=project,
                series=series,
                status=status,
            )
            for (start, end), status in zip(ranges, statuses, strict=True)
        )
        for booking in bookings:
            audit_record(
                actor=actor,
                action="booking.requested",
                target=booking,
                changes={
                    "starts_at": booking.starts_at,
                    "ends_at": booking.ends_at,
                    "status": booking.status,
                    "agreement": booking.agreement_id,
                    "series": str(series) if series else None,
                },
            )
        first = bookings[0]
        first.facility = locked
        first.requester = actor
        first.institution = grant.institution
        mails.notify(
            first,
            B.WAITLISTED if first.status == B.WAITLISTED else B.REQUESTED,
            requester=False,
            note=_("A weekly series of %(n)d bookings, the first one above.") % {"n": len(bookings)}
            if series
            else "",
        )
    return bookings


def _locked_booking(booking: Booking) -> tuple[Booking, Facility]:
    facility = _locked_facility(booking.facility)
    current = (
        Booking.objects.select_for_update()
        .select_related("requester", "institution")
        .get(pk=booking.pk)
    )
    current.facility = facility
    return current, facility


def _decided(current: Booking, booking: Booking, actor: User) -> None:
    current.decided_by = actor
    current.decided_at = timezone.now()
    for name in (
        "status",
        "decision_reason",
        "decided_by",
        "decided_at",
        "flagged_reason",
        "updated_at",
    ):
        setattr(booking, name, getattr(current, name))


def _decide(
    *, actor: User, booking: Booking, current: Booking, status: B, reason: str | None = None
) -> str:
    """Move the locked `current` to `status`, audited and told to the other side; returns
    the status it had."""
    before = current.status
    current.status = status
    fields = ["status", "decided_by", "decided_at", "updated_at"]
    changes: dict[str, object] = {"status": [before, status.value]}
    if reason is not None:
        current.decision_reason = reason
        fields.append("decision_reason")
        changes["reason"] = reason
    _decided(current, booking, actor)
    current.save(update_fields=fields)
    audit_record(actor=actor, action=f"booking.{status.value}", target=current, changes=changes)
    mails.notify(current, status.value, reason=reason or "", skip=[actor])
    return before


def booking_approve(*, actor: User, booking: Booking) -> Booking:
    """Approve a requested booking; a manager of its center only. Refused when the slot has
    meanwhile filled up to the capacity (checked under the facility's lock)."""
    _require_manager(actor, booking.facility.center)
    with transaction.atomic():
        current, facility = _locked_booking(booking)
        if current.status != B.REQUESTED:
            raise ValidationError(
                {
                    "status": _("Only a requested booking can be approved; this one is %(status)s.")
                    % {"status": B(current.status).label}
                }
            )
        if current.agreement is not None and current.agreement.status != "active":
            raise ValidationError(
                {
                    "agreement": _("The agreement “%(title)s” is no longer active.")
                    % {"title": current.agreement}
                }
            )
        if is_full(facility, current.starts_at, current.ends_at, exclude=current.pk):
            raise ValidationError(
                {
                    "starts_at": _("%(when)s is already fully booked (%(capacity)d at a time).")
                    % {"when": _when(current.starts_at), "capacity": facility.capacity}
                }
            )
        _decide(actor=actor, booking=booking, current=current, status=B.APPROVED)
    return booking


def booking_reject(*, actor: User, booking: Booking, reason: str) -> Booking:
    """Reject a requested or waiting booking, saying why; a manager of its center only."""
    _require_manager(actor, booking.facility.center)
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the booking is rejected.")})
    with transaction.atomic():
        current, _facility = _locked_booking(booking)
        if current.status not in PENDING:
            raise ValidationError(
                {
                    "status": _("Only a pending booking can be rejected; this one is %(status)s.")
                    % {"status": B(current.status).label}
                }
            )
        _decide(actor=actor, booking=booking, current=current, status=B.REJECTED, reason=reason)
    return booking


def booking_cancel(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    """Cancel a pending or approved booking: its requester or a manager of its center. When
    an approved one is cancelled, the oldest waiting request overlapping it becomes a request
    again (its requester is told) if the slot now has room."""
    if booking.requester_id != actor.pk and not access.manages_center(
        actor, booking.facility.center
    ):
        raise PermissionDenied(
            _("Only the person who asked and the center's managers may cancel this booking.")
        )
    reason = str(reason or "").strip()
    with transaction.atomic():
        current, facility = _locked_booking(booking)
        if current.status not in LIVE:
            raise ValidationError(
                {
                    "status": _("This booking is %(status)s and cannot be cancelled.")
                    % {"status": B(current.status).label}
                }
            )
        before = _decide(
            actor=actor, booking=booking, current=current, status=B.CANCELLED, reason=reason
        )
        if before == B.APPROVED:
            _promote_waiting(facility, current)
    return booking


def _promote_waiting(facility: Facility, freed: Booking) -> Booking | None:
    waiting = (
        overlapping(facility, freed.starts_at, freed.ends_at, (B.WAITLISTED,))
        .select_related("requester", "institution")
        .order_by("created_at", "pk")
    )
    for candidate in waiting:
        if is_full(facility, candidate.starts_at, candidate.ends_at):
            continue
        _promote(candidate, facility, changes={"freed_by": freed.pk})
        return candidate
    return None


def waiting_list_promote_after_capacity_rise(facility: Facility) -> list[Booking]:
    """After a facility's capacity rose: the waiting requests ahead, oldest first, become
    requests again while their time has room for them beside the approved and the requested
    ones (the manager still decides each). Call inside the transaction that locked the
    facility's row."""
    promoted = []
    waiting = (
        Booking.objects.filter(facility=facility, status=B.WAITLISTED, starts_at__gt=timezone.now())
        .select_related("requester", "institution")
        .order_by("created_at", "pk")
    )
    for candidate in waiting:
        taken = overlapping(
            facility, candidate.starts_at, candidate.ends_at, (B.APPROVED, B.REQUESTED)
        ).values_list("starts_at", "ends_at")
        if peak_overlap(list(taken), candidate.starts_at, candidate.ends_at) >= facility.capacity:
            continue
        _promote(candidate, facility, changes={"capacity": facility.capacity})
        promoted.append(candidate)
    return promoted


def _promote(candidate: Booking, facility: Facility, *, changes: dict[str, object]) -> None:
    candidate.status = B.REQUESTED
    candidate.save(update_fields=["status", "updated_at"])
    candidate.facility = facility
    audit_record(
        actor=None,
        action="booking.promoted",
        target=candidate,
        changes={"status": [B.WAITLISTED.value, B.REQUESTED.value], **changes},
    )
    mails.notify(candidate, "promoted", managers=False)
    mails.notify(candidate, "requested", requester=False)


# The daily jobs change bookings this many at a time: every query has a fixed size, and their
# number grows by a few per batch, not per booking.
BOOKINGS_PER_BATCH = 200


def bookings_complete_past(now: dt.datetime | None = None) -> int:
    """Mark approved bookings that have ended as completed; returns how many."""
    now = now or timezone.now()
    completed = 0
    while True:
        with transaction.atomic():
            due = list(
                Booking.objects.select_for_update()
                .filter(status=B.APPROVED, ends_at__lte=now)
                .select_related("facility")
                .order_by("pk")[:BOOKINGS_PER_BATCH]
            )
            if not due:
                return completed
            Booking.objects.filter(pk__in=[b.pk for b in due], status=B.APPROVED).update(
                status=B.COMPLETED, updated_at=timezone.now()
            )
            audit_record_many(
                actor=None,
                action="booking.completed",
                entries=(
                    (booking, {"status": [B.APPROVED.value, B.COMPLETED.value]}) for booking in due
                ),
            )
        completed += len(due)


def bookings_flag_for_ended_agreement(
    *, agreement: Agreement, now: dt.datetime | None = None
) -> int:
    """Flag the future pending and approved bookings made under `agreement`, which expired or
    was terminated, for their centers' managers to decide on, and e-mail those managers.
    Idempotent; returns how many bookings were newly flagged."""
    now = now or timezone.now()
    status = agreement.get_status_display().lower()
    text = _("The agreement “%(title)s” is %(status)s.") % {
        "title": agreement.title,
        "status": status,
    }
    with transaction.atomic():
        bookings = list(
            Booking.objects.select_for_update()
            .filter(agreement=agreement, status__in=LIVE, starts_at__gte=now, flagged_reason="")
            .select_related("facility__center", "requester", "institution")
            .order_by("starts_at", "pk")
        )
        if not bookings:
            return 0
        for start in range(0, len(bookings), BOOKINGS_PER_BATCH):
            batch = bookings[start : start + BOOKINGS_PER_BATCH]
            Booking.objects.filter(pk__in=[b.pk for b in batch]).update(
                flagged_reason=text[:300], updated_at=timezone.now()
            )
        audit_record_many(
            actor=None,
            action="booking.flagged",
            entries=(
                (booking, {"flagged_reason": text, "agreement": agreement.pk})
                for booking in bookings
            ),
        )
        first_by_center: dict[int, Booking] = {}
        count_by_center: Counter[int] = Counter()
        for booking in bookings:
            booking.flagged_reason = text[:300]
            first_by_center.setdefault(booking.facility.center_id, booking)
            count_by_center[booking.facility.center_id] += 1
        for center_id, booking in first_by_center.items():
            count = count_by_center[center_id]
            mails.notify(
                booking,
                "flagged",
                requester=False,
                reason=text,
                note=_("%(n)d future bookings of this center are affected.") % {"n": count},
            )
    return len(bookings)


def bookings_flag_ended_agreements(now: dt.datetime | None = None) -> int:
    """The daily sweep: flag future bookings under every agreement that is no longer active."""
    now = now or timezone.now()
    # The agreements are chosen by a subquery, not by a list of their ids, which would grow
    # with them.
    with_bookings_to_flag = (
        Booking.objects.filter(status__in=LIVE, starts_at__gte=now, flagged_reason="")
        .exclude(agreement=None)
        .values("agreement_id")
    )
    ended = (
        Agreement.objects.filter(pk__in=with_bookings_to_flag)
        .exclude(status="active")
        .order_by("pk")
    )
    return sum(
        bookings_flag_for_ended_agreement(agreement=agreement, now=now) for agreement in list(ended)
    )
