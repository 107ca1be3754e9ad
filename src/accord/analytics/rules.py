"""Who may see the analytics pages. Mobility flows are counts only, across the platform: every
institution's international office and the ministry see the same figures."""

import rules

from accord.core.memberships import staff_institution_ids
from accord.core.rules import is_platform_staff


@rules.predicate
def is_staff_somewhere(user) -> bool:  # type: ignore[no-untyped-def]
    """Admin, officer or coordinator at some institution."""
    return bool(user.is_authenticated and staff_institution_ids(user))


rules.add_perm("analytics.view_mobility_flows", is_platform_staff | is_staff_somewhere)
