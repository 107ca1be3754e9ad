"""Checks on a requested time range: opening hours, blackouts, capacity and quota."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.agreements.models import Provision
from accord.core.text import readable_date

from .. import access
from ..models import (
    Blackout,
    Booking,
    Facility,
)
from ._base import (
    MAX_BOOKING_LENGTH,
    B,
)

# Checks on a time range ----------------------------------------------------------------------


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _within_hours(facility: Facility, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    start = timezone.localtime(starts_at)
    end = timezone.localtime(ends_at)
    if start.date() != end.date():
        return False
    return any(
        row.weekday == start.weekday() and row.opens <= start.time() and end.time() <= row.closes
        for row in facility.opening_hours.all()
    )


def overlapping(
    facility: Facility,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    statuses: Iterable[str] = (B.APPROVED,),
) -> Any:
    """Bookings of `facility` in `statuses` overlapping [starts_at, ends_at)."""
    return Booking.objects.filter(
        facility=facility,
        status__in=list(statuses),
        starts_at__lt=ends_at,
        starts_at__gt=starts_at - MAX_BOOKING_LENGTH,
        ends_at__gt=starts_at,
    )


def peak_overlap(
    ranges: Iterable[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime
) -> int:
    """The most of `ranges` that overlap one another at any moment within [start, end)."""
    events: list[tuple[dt.datetime, int]] = []
    for s, e in ranges:
        s, e = max(s, start), min(e, end)
        if s < e:
            events += [(s, 1), (e, -1)]
    events.sort(key=lambda event: (event[0], event[1]))
    peak = current = 0
    for _moment, change in events:
        current += change
        peak = max(peak, current)
    return peak


def is_full(
    facility: Facility, starts_at: dt.datetime, ends_at: dt.datetime, *, exclude: int | None = None
) -> bool:
    """Whether one more approved booking in the range would exceed the capacity."""
    rows = overlapping(facility, starts_at, ends_at)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    ranges = list(rows.values_list("starts_at", "ends_at"))
    return peak_overlap(ranges, starts_at, ends_at) + 1 > facility.capacity


def _range_problems(
    facility: Facility, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = defaultdict(list)
    if ends_at <= starts_at:
        errors["ends_at"].append(_("The booking must end after it starts."))
        return errors
    if starts_at < now:
        errors["starts_at"].append(_("%(when)s is in the past.") % {"when": _when(starts_at)})
    if not _within_hours(facility, starts_at, ends_at):
        errors["starts_at"].append(
            _("%(start)s-%(end)s is outside the facility's opening hours.")
            % {"start": _when(starts_at), "end": timezone.localtime(ends_at).strftime("%H:%M")}
        )
    blackout = (
        Blackout.objects.filter(facility=facility, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .first()
    )
    if blackout is not None:
        errors["starts_at"].append(
            _("The facility is closed from %(start)s until %(end)s: %(reason)s.")
            % {
                "start": _when(blackout.starts_at),
                "end": _when(blackout.ends_at),
                "reason": blackout.reason,
            }
        )
    return errors


def _occurrences(
    starts_at: dt.datetime, ends_at: dt.datetime, repeat_weeks: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The range and its weekly repeats, at the same local time each week."""
    zone = timezone.get_current_timezone()
    start = timezone.localtime(starts_at).replace(tzinfo=None)
    end = timezone.localtime(ends_at).replace(tzinfo=None)
    return [
        (
            timezone.make_aware(start + dt.timedelta(weeks=week), zone),
            timezone.make_aware(end + dt.timedelta(weeks=week), zone),
        )
        for week in range(repeat_weeks + 1)
    ]


def _hours_by_year(ranges: Iterable[tuple[dt.datetime, dt.datetime]]) -> dict[int, float]:
    hours: dict[int, float] = defaultdict(float)
    for starts, ends in ranges:
        hours[timezone.localtime(starts).year] += (ends - starts).total_seconds() / 3600
    return hours


def _choose_grant(
    grants: list[access.AccessGrant], ranges: list[tuple[dt.datetime, dt.datetime]]
) -> access.AccessGrant:
    """The host membership, else the first agreement that lasts until the end of `ranges`
    and whose yearly hours cover them (its provision's row locked); ValidationError naming
    the hours left, or the agreement's end, otherwise."""
    for grant in grants:
        if grant.is_host:
            return grant
    needed = _hours_by_year(ranges)
    shortfall: list[str] = []
    last_day = max(timezone.localtime(end).date() for _start, end in ranges)
    for grant in grants:
        assert grant.provision is not None and grant.agreement is not None
        valid_to = grant.agreement.valid_to
        if valid_to is not None and last_day > valid_to:
            shortfall.append(
                _("The agreement “%(agreement)s” ends on %(date)s.")
                % {"agreement": grant.agreement, "date": readable_date(valid_to)}
            )
            continue
        if grant.hours_per_year is None:
            return grant
        Provision.objects.select_for_update().filter(pk=grant.provision.pk).first()
        fits = True
        for year, hours in sorted(needed.items()):
            used = access.provision_hours_used(grant.provision, year)
            left = max(grant.hours_per_year - used, 0.0)
            if hours > left + 1e-9:
                fits = False
                shortfall.append(
                    _(
                        "The agreement “%(agreement)s” allows %(quota)d hours a year in this "
                        "center; %(left)s of them are left for %(year)d and %(asked)s are asked."
                    )
                    % {
                        "agreement": grant.agreement,
                        "quota": grant.hours_per_year,
                        "left": _hours(left),
                        "year": year,
                        "asked": _hours(hours),
                    }
                )
                break
        if fits:
            return grant
    raise ValidationError({NON_FIELD_ERRORS: shortfall})


def _hours(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")
