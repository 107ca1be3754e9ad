"""Predicates about people that every domain's rules build on."""

import rules

from .memberships import has_role, institution_ids
from .models import Role


@rules.predicate
def is_platform_staff(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and user.is_staff)


@rules.predicate
def is_institution_admin(user, institution) -> bool:  # type: ignore[no-untyped-def]
    """Holds the `admin` role at `institution`."""
    return bool(
        user.is_authenticated
        and institution is not None
        and has_role(user, institution.pk, Role.ADMIN)
    )


@rules.predicate
def is_institution_member(user, institution) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        user.is_authenticated
        and institution is not None
        and institution.pk in institution_ids(user)
    )


# Invite people, grant and revoke roles at an institution.
rules.add_perm("core.manage_members", is_platform_staff | is_institution_admin)
# See who holds which role at an institution.
rules.add_perm("core.view_members", is_platform_staff | is_institution_member)
# See which background jobs failed, and why.
rules.add_perm("core.view_job_failures", is_platform_staff)
