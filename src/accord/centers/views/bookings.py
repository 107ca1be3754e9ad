"""Bookings: the researcher's own list with their calendar feed, one booking's page, and the
manager's queue of requests to decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import rules, selectors, services
from ..forms import CancelForm, RejectForm
from ..models import Booking
from .base import AuthenticatedRequest, booking_visible

PAGE_SIZE = 50


@login_required
@require_GET
def my_bookings(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.bookings_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    feed = services.calendar_feed_for(request.user)
    feed_url = request.build_absolute_uri(reverse("centers:user_feed", args=[feed.token]))
    return render(
        request,
        "centers/my_bookings.html",
        {
            "nav": "centers",
            "manages_centers": selectors.managed_centers(request.user).exists(),
            "page": page,
            "feed_url": feed_url,
            "cancellable": {
                booking.pk
                for booking in page.object_list
                if rules.can_cancel_booking(request.user, booking)
            },
        },
    )


@login_required
@require_POST
def feed_reset(request: AuthenticatedRequest) -> HttpResponse:
    services.calendar_feed_reset(actor=request.user)
    messages.success(
        request,
        _("Your calendar feed has a new address; the old one no longer works."),
    )
    return redirect(f"{reverse('centers:my_bookings')}#feed")


@login_required
@require_GET
def booking_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    booking = booking_visible(request.user, pk)
    return render(
        request,
        "centers/booking_detail.html",
        {
            "nav": "centers",
            "booking": booking,
            "may_cancel": rules.can_cancel_booking(request.user, booking),
            "may_decide": rules.can_decide_booking(request.user, booking),
            "cancel_form": CancelForm(auto_id="cancel_%s"),
            "reject_form": RejectForm(auto_id="reject_%s"),
        },
    )


def _back(request: AuthenticatedRequest, booking: Booking) -> HttpResponse:
    target = request.POST.get("next", "")
    if target in (reverse("centers:queue"), reverse("centers:my_bookings")):
        return redirect(target)
    return redirect(booking)


@login_required
@require_POST
def booking_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    booking = booking_visible(request.user, pk)
    if not rules.can_cancel_booking(request.user, booking):
        raise PermissionDenied
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.booking_cancel(actor=request.user, booking=booking, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The booking was cancelled."))
    return _back(request, booking)


@login_required
@require_GET
def queue(request: AuthenticatedRequest) -> HttpResponse:
    """Requests waiting for the user's decision, the flagged ones first."""
    page = Paginator(selectors.bookings_to_decide(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "centers/queue.html",
        {"nav": "centers", "page": page, "manages_centers": True},
    )


@login_required
@require_POST
def booking_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    booking = booking_visible(request.user, pk)
    if not rules.can_decide_booking(request.user, booking):
        raise PermissionDenied
    try:
        services.booking_approve(actor=request.user, booking=booking)
    except ValidationError as error:
        messages.error(
            request, _("Not approved: %(problem)s") % {"problem": " ".join(error.messages)}
        )
    else:
        messages.success(
            request,
            _("%(name)s's booking of %(facility)s was approved.")
            % {
                "name": booking.requester.get_full_name() or booking.requester.username,
                "facility": booking.facility.name,
            },
        )
    return _back(request, booking)


@login_required
@require_POST
def booking_reject(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    booking = booking_visible(request.user, pk)
    if not rules.can_decide_booking(request.user, booking):
        raise PermissionDenied
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for rejecting it; the researcher reads it."))
        return _back(request, booking)
    try:
        services.booking_reject(
            actor=request.user, booking=booking, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(
            request, _("Not rejected: %(problem)s") % {"problem": " ".join(error.messages)}
        )
    else:
        messages.success(request, _("The booking was rejected."))
    return _back(request, booking)
