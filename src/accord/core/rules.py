"""Predicates about people that every domain's rules build on."""

import rules

from .memberships import institution_ids, staff_institution_ids


@rules.predicate
def is_platform_staff(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and user.is_staff)


@rules.predicate
def is_institution_staff_somewhere(user) -> bool:  # type: ignore[no-untyped-def]
    """Admin, officer or coordinator of at least one institution."""
    return bool(user.is_authenticated and staff_institution_ids(user))


@rules.predicate
def is_member_somewhere(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and institution_ids(user))
