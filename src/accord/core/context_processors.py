import rules
from django.conf import settings
from django.http import HttpRequest


def accord(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "SITE_URL": settings.SITE_URL,
        # Called by the template only where the navigation shows (rules alone: no query
        # for Django's model permissions, one for the user's roles, shared with the page).
        "may_see_flows": lambda: rules.has_perm("analytics.view_mobility_flows", user),
    }
