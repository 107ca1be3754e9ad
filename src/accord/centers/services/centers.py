"""Centers, their facilities, opening hours, blackouts, trainings and feed tokens."""

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accord.core.audit import audit_record, diff, snapshot
from accord.core.models import User
from accord.core.text import romanise
from accord.core.validators import clean_names
from accord.institutions.models import Institution, Unit

from ..models import (
    Blackout,
    CalendarFeed,
    Facility,
    FacilityKind,
    OpeningHours,
    ResearchCenter,
    Training,
    new_feed_token,
)
from ._base import (
    CENTER_FIELDS,
    FACILITY_FIELDS,
    _raise,
    _require_manager,
)
from .bookings import waiting_list_promote_after_capacity_rise

# Centers -------------------------------------------------------------------------------------


def _clean_names(
    values: dict[str, Any], cleaned: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """`names` in other languages, when given, as `clean_names` stores them; its refusal
    goes among `errors`."""
    if "names" in values:
        try:
            cleaned["names"] = clean_names(values["names"])
        except ValidationError as error:
            errors["names"].extend(error.message_dict["names"])


def _clean_center(values: dict[str, Any], institution: Institution) -> dict[str, Any]:
    errors: dict[str, list[str]] = defaultdict(list)
    cleaned = dict(values)
    for name in ("name", "address", "city", "contact_name", "contact_phone"):
        if name in values:
            cleaned[name] = " ".join(str(values[name] or "").split())
    for name in ("description",):
        if name in values:
            cleaned[name] = str(values[name] or "").strip()
    limits = {"name": 300, "address": 300, "city": 120, "contact_name": 200, "contact_phone": 50}
    for name, limit in limits.items():
        if len(cleaned.get(name, "")) > limit:
            errors[name].append(_("At most %(n)d characters.") % {"n": limit})
    if "name" in values and not cleaned["name"]:
        errors["name"].append(_("Give the center a name."))
    if values.get("contact_email"):
        cleaned["contact_email"] = str(values["contact_email"]).strip()
        try:
            validate_email(cleaned["contact_email"])
        except ValidationError:
            errors["contact_email"].append(_("Enter a valid e-mail address."))
    _clean_names(values, cleaned, errors)
    unit = values.get("unit")
    if unit is not None and (not isinstance(unit, Unit) or unit.institution_id != institution.pk):
        errors["unit"].append(_("Choose a unit of the center's institution."))
    if "is_public" in values:
        cleaned["is_public"] = bool(values["is_public"])
    _raise(errors)
    return cleaned


# Paths under /centers/ that a center's slug must not take.
RESERVED_SLUGS = frozenset({"new", "bookings", "queue", "facilities", "feeds", "api"})


def _center_slug(name: str) -> str:
    base = slugify(romanise(name))[:100].strip("-") or "center"
    taken = set(ResearchCenter.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def center_create(
    *,
    actor: User,
    institution: Institution,
    name: str,
    unit: Unit | None = None,
    description: str = "",
    address: str = "",
    city: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    is_public: bool = True,
    names: dict[str, str] | None = None,
) -> ResearchCenter:
    """A new research center of `institution`, with a unique slug made from its name.
    Admins and officers of the institution (and platform staff) may create one."""
    if not actor.has_perm("centers.add_center", institution):
        raise PermissionDenied(_("Only the institution's admins and officers may add centers."))
    values = _clean_center(
        {
            "name": name,
            "unit": unit,
            "description": description,
            "address": address,
            "city": city,
            "contact_name": contact_name,
            "contact_email": contact_email,
            "contact_phone": contact_phone,
            "is_public": is_public,
            "names": names or {},
        },
        institution,
    )
    with transaction.atomic():
        center = ResearchCenter.objects.create(
            institution=institution, slug=_center_slug(values["name"]), **values
        )
        audit_record(
            actor=actor,
            action="center.created",
            target=center,
            changes=snapshot(center, ("institution", *CENTER_FIELDS)),
        )
    return center


def center_update(*, actor: User, center: ResearchCenter, **fields: Any) -> ResearchCenter:
    """Change the given fields of `center` (see CENTER_FIELDS); the slug stays."""
    _require_manager(actor, center)
    unknown = set(fields) - set(CENTER_FIELDS)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in sorted(unknown)}
        )
    values = _clean_center(fields, center.institution)
    with transaction.atomic():
        before = snapshot(center, values)
        for name, value in values.items():
            setattr(center, name, value)
        center.save()
        changes = diff(before, snapshot(center, values))
        if changes:
            audit_record(actor=actor, action="center.updated", target=center, changes=changes)
    return center


def center_set_managers(*, actor: User, center: ResearchCenter, users: Iterable[User]) -> None:
    """Make exactly `users` the center's managers."""
    _require_manager(actor, center)
    wanted = {user.pk: user for user in users}
    errors = [str(user) for user in wanted.values() if not user.is_active]
    if errors:
        raise ValidationError(
            {
                "managers": _("Inactive users cannot manage: %(names)s.")
                % {"names": ", ".join(errors)}
            }
        )
    with transaction.atomic():
        before = sorted(center.managers.values_list("username", flat=True))
        center.managers.set(list(wanted.values()))
        after = sorted(user.username for user in wanted.values())
        if before != after:
            audit_record(
                actor=actor,
                action="center.managers_changed",
                target=center,
                changes={"managers": [before, after]},
            )


# Facilities ----------------------------------------------------------------------------------


def _clean_facility(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = defaultdict(list)
    cleaned = dict(values)
    if "name" in values:
        cleaned["name"] = " ".join(str(values["name"] or "").split())
        if not cleaned["name"]:
            errors["name"].append(_("Give the facility a name."))
        elif len(cleaned["name"]) > 300:
            errors["name"].append(_("At most %(n)d characters.") % {"n": 300})
    _clean_names(values, cleaned, errors)
    if "kind" in values and values["kind"] not in FacilityKind.values:
        errors["kind"].append(_("Unknown kind of facility: %(kind)s.") % {"kind": values["kind"]})
    for name, low, high in (("capacity", 1, 1000), ("slot_minutes", 5, 24 * 60)):
        if name in values:
            try:
                number = int(values[name])
            except (TypeError, ValueError):
                errors[name].append(_("Enter a whole number."))
                continue
            if not low <= number <= high:
                errors[name].append(
                    _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}
                )
            cleaned[name] = number
    for name in ("description", "training_note"):
        if name in values:
            cleaned[name] = str(values[name] or "").strip()
    if len(cleaned.get("training_note", "")) > 300:
        errors["training_note"].append(_("At most %(n)d characters.") % {"n": 300})
    for name in ("requires_training", "free_under_agreement", "is_active"):
        if name in values:
            cleaned[name] = bool(values[name])
    if values.get("price_per_hour") not in (None, ""):
        try:
            price = Decimal(str(values["price_per_hour"]))
        except InvalidOperation:
            errors["price_per_hour"].append(_("Enter a price such as 25.00."))
        else:
            if price < 0 or price >= Decimal("100000000"):
                errors["price_per_hour"].append(_("Enter a price such as 25.00."))
            cleaned["price_per_hour"] = price.quantize(Decimal("0.01"))
    elif "price_per_hour" in values:
        cleaned["price_per_hour"] = None
    if "currency" in values:
        cleaned["currency"] = str(values["currency"] or "").strip().upper()
        currency = cleaned["currency"]
        if currency and (len(currency) != 3 or not currency.isalpha()):
            errors["currency"].append(_("Use a three-letter ISO 4217 code, such as KZT."))
    if cleaned.get("price_per_hour") is not None and not cleaned.get("currency"):
        errors["currency"].append(_("Give the currency of the price."))
    _raise(errors)
    return cleaned


def facility_create(
    *,
    actor: User,
    center: ResearchCenter,
    name: str,
    kind: str,
    names: dict[str, str] | None = None,
    capacity: int = 1,
    slot_minutes: int = 60,
    requires_training: bool = False,
    training_note: str = "",
    free_under_agreement: bool = True,
    price_per_hour: Decimal | None = None,
    currency: str = "",
    description: str = "",
) -> Facility:
    """A new bookable facility of `center` (closed until its opening hours are set)."""
    _require_manager(actor, center)
    values = _clean_facility(
        {
            "name": name,
            "names": names or {},
            "kind": kind,
            "capacity": capacity,
            "slot_minutes": slot_minutes,
            "requires_training": requires_training,
            "training_note": training_note,
            "free_under_agreement": free_under_agreement,
            "price_per_hour": price_per_hour,
            "currency": currency,
            "description": description,
        }
    )
    with transaction.atomic():
        facility = Facility.objects.create(center=center, **values)
        audit_record(
            actor=actor,
            action="facility.created",
            target=facility,
            changes=snapshot(facility, ("center", *FACILITY_FIELDS)),
        )
    return facility


def facility_update(*, actor: User, facility: Facility, **fields: Any) -> Facility:
    """Change the given fields of `facility` (see FACILITY_FIELDS)."""
    _require_manager(actor, facility.center)
    unknown = set(fields) - set(FACILITY_FIELDS)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in sorted(unknown)}
        )
    merged = {
        "price_per_hour": facility.price_per_hour,
        "currency": facility.currency,
        **fields,
    }
    values = _clean_facility(merged)
    with transaction.atomic():
        # Locked like an approval locks it: the capacity cannot change under a decision.
        locked = Facility.objects.select_for_update().get(pk=facility.pk)
        before = snapshot(facility, values)
        for name, value in values.items():
            setattr(facility, name, value)
        facility.save()
        changes = diff(before, snapshot(facility, values))
        if changes:
            audit_record(actor=actor, action="facility.updated", target=facility, changes=changes)
        if facility.capacity > locked.capacity:
            waiting_list_promote_after_capacity_rise(facility)
    return facility


def opening_hours_set(
    *, actor: User, facility: Facility, hours: Sequence[tuple[int, dt.time, dt.time]]
) -> list[OpeningHours]:
    """Replace the facility's opening hours with `hours`, (weekday 0=Monday, opens, closes)
    in the server's time zone; several periods a day may not overlap."""
    _require_manager(actor, facility.center)
    problems: list[str] = []
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for weekday, opens, closes in hours:
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            problems.append(
                _("%(day)s is not a weekday (0 = Monday … 6 = Sunday).") % {"day": weekday}
            )
            continue
        if not isinstance(opens, dt.time) or not isinstance(closes, dt.time) or closes <= opens:
            problems.append(
                _("On day %(day)d the facility must close after it opens.") % {"day": weekday}
            )
            continue
        by_day[weekday].append((opens, closes))
    for weekday, periods in by_day.items():
        periods.sort()
        for (_o1, c1), (o2, _c2) in itertools.pairwise(periods):
            if o2 < c1:
                problems.append(_("On day %(day)d two opening periods overlap.") % {"day": weekday})
    if problems:
        raise ValidationError({"hours": problems})
    with transaction.atomic():
        before = [str(row) for row in facility.opening_hours.all()]
        facility.opening_hours.all().delete()
        rows = OpeningHours.objects.bulk_create(
            OpeningHours(facility=facility, weekday=day, opens=opens, closes=closes)
            for day in sorted(by_day)
            for opens, closes in by_day[day]
        )
        audit_record(
            actor=actor,
            action="facility.hours_set",
            target=facility,
            changes={"opening_hours": [before, [str(row) for row in rows]]},
        )
    return rows


def blackout_add(
    *, actor: User, facility: Facility, starts_at: dt.datetime, ends_at: dt.datetime, reason: str
) -> Blackout:
    """Close `facility` from `starts_at` until `ends_at` (maintenance, holidays). Bookings
    already in the period stay; the managers decide on them."""
    _require_manager(actor, facility.center)
    errors: dict[str, list[str]] = defaultdict(list)
    reason = " ".join(str(reason or "").split())
    if not reason:
        errors["reason"].append(_("Say why the facility is closed."))
    elif len(reason) > 300:
        errors["reason"].append(_("At most %(n)d characters.") % {"n": 300})
    if starts_at is None:
        errors["starts_at"].append(_("Give the start."))
    if ends_at is None:
        errors["ends_at"].append(_("Give the end."))
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"].append(_("The end must come after the start."))
    _raise(errors)
    with transaction.atomic():
        blackout = Blackout.objects.create(
            facility=facility, starts_at=starts_at, ends_at=ends_at, reason=reason
        )
        audit_record(
            actor=actor,
            action="facility.blackout_added",
            target=facility,
            changes={"starts_at": starts_at, "ends_at": ends_at, "reason": reason},
        )
    return blackout


def blackout_remove(*, actor: User, blackout: Blackout) -> None:
    facility = blackout.facility
    _require_manager(actor, facility.center)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="facility.blackout_removed",
            target=facility,
            changes={
                "starts_at": blackout.starts_at,
                "ends_at": blackout.ends_at,
                "reason": blackout.reason,
            },
        )
        blackout.delete()


def training_grant(*, actor: User, facility: Facility, user: User) -> Training:
    """Record that `user` completed the facility's training (idempotent)."""
    _require_manager(actor, facility.center)
    with transaction.atomic():
        training, created = Training.objects.get_or_create(
            facility=facility, user=user, defaults={"granted_by": actor}
        )
        if created:
            audit_record(
                actor=actor,
                action="facility.training_granted",
                target=facility,
                changes={"user": user.username},
            )
    return training


def training_revoke(*, actor: User, facility: Facility, user: User) -> None:
    _require_manager(actor, facility.center)
    with transaction.atomic():
        deleted, _rows = Training.objects.filter(facility=facility, user=user).delete()
        if deleted:
            audit_record(
                actor=actor,
                action="facility.training_revoked",
                target=facility,
                changes={"user": user.username},
            )


# Calendar feeds ------------------------------------------------------------------------------


def calendar_feed_for(user: User) -> CalendarFeed:
    """The user's calendar feed, made on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_reset(*, actor: User) -> CalendarFeed:
    """A new secret token for the actor's feed: the old address stops working."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    with transaction.atomic():
        feed = calendar_feed_for(actor)
        feed.token = new_feed_token()
        feed.save(update_fields=["token"])
        audit_record(actor=actor, action="calendar_feed.reset", target=feed)
    return feed


def facility_feed_reset(*, actor: User, facility: Facility) -> Facility:
    """A new secret token for the facility's feed; a manager of its center only."""
    _require_manager(actor, facility.center)
    with transaction.atomic():
        facility.feed_token = new_feed_token()
        facility.save(update_fields=["feed_token", "updated_at"])
        audit_record(actor=actor, action="facility.feed_reset", target=facility)
    return facility
