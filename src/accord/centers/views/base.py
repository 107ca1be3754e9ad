"""What every research-center page shares: the acting user's request, and finding the objects
a page is about with the checks that go with them."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accord.core.models import User

from .. import rules, selectors
from ..models import Booking, Facility, ResearchCenter


class AuthenticatedRequest(HttpRequest):
    user: User  # every view but the public center page is behind login_required
    htmx: HtmxDetails


def facility_visible(user: User, pk: int) -> Facility:
    return selectors.facility_for(user, pk)


def center_managed(user: User, slug: str) -> ResearchCenter:
    """The center `user` manages: 404 when they may not see it, 403 when they may not manage."""
    center = selectors.center_for(user, slug)
    if not rules.is_center_manager(user, center):
        raise PermissionDenied
    return center


def facility_managed(user: User, pk: int) -> Facility:
    facility = facility_visible(user, pk)
    if not rules.is_center_manager(user, facility.center):
        raise PermissionDenied
    return facility


def booking_visible(user: User, pk: int) -> Booking:
    return selectors.booking_for(user, pk)
