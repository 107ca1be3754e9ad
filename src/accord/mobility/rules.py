"""Who may see and change mobilities. Views and API check these; the selectors filter by the
same rule (`mobilities_visible_to`), so a list never shows what a detail page would refuse.

The home and host institutions' admins, officers and coordinators see a mobility; the person
sees their own; only the home institution's staff change it (the home institution sends the
person and answers for the record)."""

import rules

from accord.core.memberships import staff_institution_ids
from accord.core.rules import is_platform_staff

from .models import Mobility


@rules.predicate
def is_home_staff(user, mobility: Mobility) -> bool:  # type: ignore[no-untyped-def]
    """Admin, officer or coordinator at the mobility's home institution."""
    return bool(
        user.is_authenticated and mobility.home_institution_id in staff_institution_ids(user)
    )


@rules.predicate
def is_host_staff(user, mobility: Mobility) -> bool:  # type: ignore[no-untyped-def]
    """Admin, officer or coordinator at the mobility's host institution."""
    return bool(
        user.is_authenticated and mobility.host_institution_id in staff_institution_ids(user)
    )


@rules.predicate
def is_the_person(user, mobility: Mobility) -> bool:  # type: ignore[no-untyped-def]
    """The account the mobility belongs to."""
    return bool(user.is_authenticated and mobility.user_id == user.pk)


@rules.predicate
def works_at_an_institution(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and staff_institution_ids(user))


rules.add_perm(
    "mobility.view_mobility", is_platform_staff | is_home_staff | is_host_staff | is_the_person
)
rules.add_perm("mobility.add_mobility", is_platform_staff | works_at_an_institution)
rules.add_perm("mobility.change_mobility", is_platform_staff | is_home_staff)
rules.add_perm("mobility.transition_mobility", is_platform_staff | is_home_staff)
rules.add_perm("mobility.record_return", is_platform_staff | is_home_staff)
rules.add_perm("mobility.manage_obligations", is_platform_staff | is_home_staff)
rules.add_perm("mobility.export_mobilities", rules.is_authenticated)
