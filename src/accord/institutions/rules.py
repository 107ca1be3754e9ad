"""Who may add and change institutions. The register itself is public: everyone sees it."""

import rules

from accord.core.memberships import has_role
from accord.core.models import Role
from accord.core.rules import is_platform_staff

from .models import Institution


@rules.predicate
def is_institution_admin(user, institution: Institution) -> bool:  # type: ignore[no-untyped-def]
    """An `admin` member of the institution itself."""
    return bool(
        user.is_authenticated
        and institution is not None
        and has_role(user, institution.pk, Role.ADMIN)
    )


rules.add_perm("institutions.add_institution", is_platform_staff)
# Editing an institution covers its units and contacts.
rules.add_perm("institutions.change_institution", is_platform_staff | is_institution_admin)
