"""The request the agreements pages see: a logged-in user, and htmx details."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accord.core.models import User


class AuthenticatedRequest(HttpRequest):
    user: User  # every view here is behind login_required
    htmx: HtmxDetails
