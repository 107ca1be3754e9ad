"""Free slots of facilities over a range, and a facility's week of slots with their state."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import BigIntegerField, Func, QuerySet
from django.utils import timezone

from ..access import AnyUser, manages_center
from ..models import Blackout, Booking, Facility, OpeningHours
from ._base import MAX_BOOKING_LENGTH, USED, B

T = TypeVar("T", int, dt.datetime)


# Free slots in a range -----------------------------------------------------------------------


def _local_days(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    first = timezone.localtime(start).date()
    last = timezone.localtime(end - dt.timedelta(microseconds=1)).date()
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _slots(
    hours: Iterable[tuple[int, dt.time, dt.time]],
    slot_minutes: int,
    day: dt.date,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The bookable slots of one local day: each opening period cut into slot lengths."""
    zone = timezone.get_current_timezone()
    step = dt.timedelta(minutes=slot_minutes)
    slots = []
    for weekday, opens, closes in hours:
        if weekday != day.weekday():
            continue
        start = dt.datetime.combine(day, opens)
        closing = dt.datetime.combine(day, closes)
        while start + step <= closing:
            slots.append(
                (timezone.make_aware(start, zone), timezone.make_aware(start + step, zone))
            )
            start += step
    return sorted(slots)


class Epoch(Func):
    """A datetime column as whole seconds since 1970-01-01 UTC."""

    output_field = BigIntegerField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if connection.vendor == "sqlite":
            return super().as_sql(
                compiler,
                connection,
                template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
            )
        return super().as_sql(
            compiler, connection, template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)"
        )


def _peak(ranges: Sequence[tuple[T, T]], start: T, end: T) -> int:
    """The most of `ranges` overlapping one another at a moment within [start, end)."""
    events: list[tuple[T, int]] = []
    for s, e in ranges:
        s, e = max(s, start), min(e, end)
        if s < e:
            events += [(s, 1), (e, -1)]
    events.sort()
    peak = current = 0
    for _moment, change in events:
        current += change
        peak = max(peak, current)
    return peak


def facilities_with_free_slot(
    facilities: QuerySet[Facility], free_from: dt.datetime, free_to: dt.datetime
) -> list[int]:
    """Ids of `facilities` with a slot in [free_from, free_to) that is open, not blacked
    out, not past and below capacity. Four queries whatever the number of facilities: the
    candidates open on a weekday of the range, their opening hours, and the blackouts and
    approved bookings touching the range (read through the (facility, status, starts_at)
    index, bounded below by the longest possible booking)."""
    now = timezone.now()
    free_from = max(free_from, now)
    if free_to <= free_from:
        return []
    days = _local_days(free_from, free_to)
    weekdays = {day.weekday() for day in days}
    candidates = {
        pk: (capacity, slot_minutes)
        for pk, capacity, slot_minutes in facilities.filter(opening_hours__weekday__in=weekdays)
        .order_by()
        .distinct()
        .values_list("pk", "capacity", "slot_minutes")
    }
    if not candidates:
        return []
    hours: dict[int, list[tuple[int, dt.time, dt.time]]] = defaultdict(list)
    for facility_id, weekday, opens, closes in (
        OpeningHours.objects.filter(facility_id__in=candidates, weekday__in=weekdays)
        .order_by("weekday", "opens")
        .values_list("facility_id", "weekday", "opens", "closes")
    ):
        hours[facility_id].append((weekday, opens, closes))
    # Times as whole seconds since 1970: read and compared far faster than datetimes.
    blackouts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for facility_id, start, end in (
        Blackout.objects.filter(
            facility_id__in=candidates, starts_at__lt=free_to, ends_at__gt=free_from
        )
        .annotate(start=Epoch("starts_at"), end=Epoch("ends_at"))
        .values_list("facility_id", "start", "end")
    ):
        blackouts[facility_id].append((start, end))
    booked: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for facility_id, start, end in (
        Booking.objects.filter(
            facility_id__in=candidates,
            status=B.APPROVED,
            starts_at__lt=free_to,
            starts_at__gt=free_from - MAX_BOOKING_LENGTH,
            ends_at__gt=free_from,
        )
        .annotate(start=Epoch("starts_at"), end=Epoch("ends_at"))
        .values_list("facility_id", "start", "end")
    ):
        booked[facility_id].append((start, end))
    # Facilities with the same hours and slot length share one list of slots.
    grids: dict[tuple[Any, ...], list[tuple[int, int]]] = {}
    free = []
    for facility_id, (capacity, slot_minutes) in candidates.items():
        key = (slot_minutes, *hours[facility_id])
        slots = grids.get(key)
        if slots is None:
            slots = grids[key] = [
                (int(start.timestamp()), int(end.timestamp()))
                for day in days
                for start, end in _slots(hours[facility_id], slot_minutes, day)
                if free_from <= start and end <= free_to
            ]
        if _has_free_slot(slots, capacity, sorted(booked[facility_id]), blackouts[facility_id]):
            free.append(facility_id)
    return free


def _has_free_slot(
    slots: list[tuple[int, int]],
    capacity: int,
    bookings: list[tuple[int, int]],
    blackouts: list[tuple[int, int]],
) -> bool:
    """Walks the slots and the bookings (both in time order) together, keeping the bookings
    that overlap the current slot."""
    active: list[tuple[int, int]] = []
    following = 0
    for start, end in slots:
        while following < len(bookings) and bookings[following][0] < end:
            active.append(bookings[following])
            following += 1
        active = [booking for booking in active if booking[1] > start]
        if any(b_start < end and start < b_end for b_start, b_end in blackouts):
            continue
        if len(active) < capacity:
            return True
        if capacity > 1 and _peak(active, start, end) < capacity:
            return True
    return False


# A facility's week ---------------------------------------------------------------------------


@dataclass
class Slot:
    """One slot of the week. `bookings` holds only what the viewer may see: their own, or
    every booking for the center's managers; others see "taken" and nothing more."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    state: str  # free | taken | closed | blackout | mine
    taken: int = 0
    capacity: int = 1
    is_past: bool = False
    reason: str = ""
    bookings: list[Booking] = field(default_factory=list)


@dataclass
class WeekDay:
    date: dt.date
    slots: list[Slot]

    @property
    def is_open(self) -> bool:
        return bool(self.slots)


@dataclass
class Week:
    facility: Facility
    week_start: dt.date
    days: list[WeekDay]
    times: list[dt.time]
    is_manager: bool

    @property
    def rows(self) -> list[tuple[dt.time, list[Slot]]]:
        """The week as a grid: one row per slot start time, one cell per day; a day that
        has no slot at that time shows a closed cell."""
        grid = []
        for time in self.times:
            cells = []
            for day in self.days:
                match = next(
                    (s for s in day.slots if timezone.localtime(s.starts_at).time() == time), None
                )
                if match is None:
                    start = timezone.make_aware(
                        dt.datetime.combine(day.date, time), timezone.get_current_timezone()
                    )
                    match = Slot(starts_at=start, ends_at=start, state="closed")
                cells.append(match)
            grid.append((time, cells))
        return grid

    @property
    def is_empty(self) -> bool:
        return not any(day.slots for day in self.days)


def facility_week(facility: Facility, *, week_start: dt.date, user: AnyUser) -> Week:
    """The seven days from `week_start`, each cut into the facility's slots with a state:
    free, taken (at capacity), blackout, mine (the user holds a pending or approved booking
    there) or closed (in `Week.rows`, where the day has no slot at that time)."""
    zone = timezone.get_current_timezone()
    days = [week_start + dt.timedelta(days=n) for n in range(7)]
    start = timezone.make_aware(dt.datetime.combine(days[0], dt.time.min), zone)
    end = timezone.make_aware(
        dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min), zone
    )
    is_manager = manages_center(user, facility.center)
    hours = list(facility.opening_hours.values_list("weekday", "opens", "closes"))
    blackouts = list(
        Blackout.objects.filter(facility=facility, starts_at__lt=end, ends_at__gt=start)
    )
    bookings = list(
        Booking.objects.filter(
            facility=facility,
            status__in=(B.REQUESTED, B.WAITLISTED, B.APPROVED, B.COMPLETED),
            starts_at__lt=end,
            starts_at__gt=start - MAX_BOOKING_LENGTH,
            ends_at__gt=start,
        )
        .select_related("requester", "institution")
        .order_by("starts_at", "pk")
    )
    now = timezone.now()
    user_id = user.pk if user.is_authenticated else None
    week_days = []
    times: set[dt.time] = set()
    for day in days:
        slots = []
        for slot_start, slot_end in _slots(hours, facility.slot_minutes, day):
            times.add(timezone.localtime(slot_start).time())
            touching = [b for b in bookings if b.starts_at < slot_end and b.ends_at > slot_start]
            approved = [b for b in touching if b.status in USED]
            mine = [b for b in touching if b.requester_id == user_id]
            blackout = next(
                (b for b in blackouts if b.starts_at < slot_end and b.ends_at > slot_start), None
            )
            taken = _peak([(b.starts_at, b.ends_at) for b in approved], slot_start, slot_end)
            if blackout is not None:
                state = "blackout"
            elif mine:
                state = "mine"
            elif taken >= facility.capacity:
                state = "taken"
            else:
                state = "free"
            slots.append(
                Slot(
                    starts_at=slot_start,
                    ends_at=slot_end,
                    state=state,
                    taken=taken,
                    capacity=facility.capacity,
                    is_past=slot_start < now,
                    reason=blackout.reason if blackout is not None else "",
                    bookings=touching if is_manager else mine,
                )
            )
        week_days.append(WeekDay(date=day, slots=slots))
    return Week(
        facility=facility,
        week_start=week_start,
        days=week_days,
        times=sorted(times),
        is_manager=is_manager,
    )
