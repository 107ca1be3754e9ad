"""Template tags other apps' pages use to show research centers."""

from django import template
from django.contrib.auth.models import AnonymousUser

from accord.institutions.models import Institution

from .. import selectors
from ..models import ResearchCenter

register = template.Library()


@register.simple_tag
def public_centers(institution: Institution) -> list[ResearchCenter]:
    """The institution's centers that anybody may see, for its public page."""
    return list(
        selectors.centers_visible_to(AnonymousUser())  # type: ignore[arg-type]
        .filter(institution=institution)
        .order_by("name")
    )
