"""E-mails about bookings, each in its recipient's language, sent once the write commits."""

import logging
from collections.abc import Iterable
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accord.core.models import Membership, User

from .access import MANAGER_ROLES
from .models import Booking, ResearchCenter

logger = logging.getLogger(__name__)


def center_managers(center: ResearchCenter) -> list[User]:
    """Who hears about a center's bookings: its managers, or, when it names none, the admins
    and officers of its institution."""
    managers = list(center.managers.filter(is_active=True).exclude(email=""))
    if managers:
        return managers
    return list(
        User.objects.filter(
            is_active=True,
            pk__in=Membership.objects.filter(
                institution_id=center.institution_id, role__in=MANAGER_ROLES
            ).values("user_id"),
        ).exclude(Q(email=""))
    )


def _url(booking: Booking) -> str:
    try:
        path = reverse("centers:booking", kwargs={"pk": booking.pk})
    except NoReverseMatch:
        path = "/centers/"
    return f"{settings.SITE_URL}{path}"


def _when(booking: Booking) -> str:
    starts = timezone.localtime(booking.starts_at)
    ends = timezone.localtime(booking.ends_at)
    return f"{date_format(starts, 'DATE_FORMAT')} {starts:%H:%M}-{ends:%H:%M}"


# What each event says: subject and the line under the greeting.
MESSAGES = {
    "requested": (
        lambda: _("Booking request: %(facility)s, %(when)s"),
        lambda: _("%(person)s (%(institution)s) asks for %(facility)s on %(when)s."),
    ),
    "waitlisted": (
        lambda: _("On the waiting list: %(facility)s, %(when)s"),
        lambda: _("%(person)s (%(institution)s) waits for %(facility)s on %(when)s."),
    ),
    "approved": (
        lambda: _("Booking approved: %(facility)s, %(when)s"),
        lambda: _("The booking of %(facility)s on %(when)s by %(person)s is approved."),
    ),
    "rejected": (
        lambda: _("Booking rejected: %(facility)s, %(when)s"),
        lambda: _("The booking of %(facility)s on %(when)s by %(person)s is rejected."),
    ),
    "cancelled": (
        lambda: _("Booking cancelled: %(facility)s, %(when)s"),
        lambda: _("The booking of %(facility)s on %(when)s by %(person)s is cancelled."),
    ),
    "promoted": (
        lambda: _("A slot freed up: %(facility)s, %(when)s"),
        lambda: _(
            "The slot you waited for, %(facility)s on %(when)s, is free: your request now "
            "awaits the manager's decision."
        ),
    ),
    "flagged": (
        lambda: _("Booking needs attention: %(facility)s, %(when)s"),
        lambda: _("The booking of %(facility)s on %(when)s by %(person)s needs attention."),
    ),
}


def _send(recipient: User, booking: Booking, event: str, reason: str, note: str) -> None:
    subject_text, line_text = MESSAGES[event]
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        # Names and titles in the recipient's language, where one is given.
        facility = booking.facility
        values = {
            "facility": f"{facility.display_name} ({facility.center.display_name})",
            "when": _when(booking),
            "person": booking.requester.get_full_name() or booking.requester.username,
            "institution": booking.institution.display_name,
        }
        subject = subject_text() % values
        lines = [
            _("Dear %(name)s,") % {"name": recipient.get_full_name() or recipient.username},
            "",
            line_text() % values,
        ]
        if booking.purpose:
            lines.append(_("Purpose: %(purpose)s") % {"purpose": booking.purpose})
        if booking.agreement_id:
            title = booking.agreement.display_title if booking.agreement else ""
            lines.append(_("Under the agreement: %(title)s") % {"title": title})
        if reason:
            lines.append(_("Reason: %(reason)s") % {"reason": reason})
        if note:
            lines.append(note)
        lines += ["", _url(booking), "", "Accord"]
    try:
        send_mail(subject, "\n".join(lines), None, [recipient.email])
    except (SMTPException, OSError):
        logger.exception("Mail about booking %s to %s not sent", booking.pk, recipient.pk)


def notify(
    booking: Booking,
    event: str,
    *,
    requester: bool = True,
    managers: bool = True,
    reason: str = "",
    note: str = "",
    skip: Iterable[User] = (),
) -> None:
    """Mail the requester and/or the center's managers about `event`, after commit."""
    skipped = {user.pk for user in skip}

    def send() -> None:
        recipients: dict[int, User] = {}
        if managers:
            recipients.update({user.pk: user for user in center_managers(booking.facility.center)})
        if requester and booking.requester.email and booking.requester.is_active:
            recipients[booking.requester.pk] = booking.requester
        for pk, user in recipients.items():
            if pk not in skipped:
                _send(user, booking, event, reason, note)

    transaction.on_commit(send)
