"""Which institutions a user belongs to, in which roles: read once per request."""

from collections.abc import Iterable

from .models import STAFF_ROLES, Membership, Role, User


def _roles_by_institution(user: User) -> dict[int, set[str]]:
    cached = getattr(user, "_accord_roles", None)
    if cached is None:
        cached = {}
        if user.is_authenticated:
            for institution_id, role in Membership.objects.filter(user=user).values_list(
                "institution_id", "role"
            ):
                cached.setdefault(institution_id, set()).add(role)
        user._accord_roles = cached  # type: ignore[attr-defined]
    return cached


def forget_memberships(user: User) -> None:
    """Drop the per-request cache after memberships change."""
    if hasattr(user, "_accord_roles"):
        del user._accord_roles


def institution_ids(user: User, roles: Iterable[str] | None = None) -> set[int]:
    """Ids of the institutions where `user` holds any of `roles` (any role when None)."""
    wanted = set(roles) if roles is not None else None
    return {
        institution_id
        for institution_id, held in _roles_by_institution(user).items()
        if wanted is None or held & wanted
    }


def staff_institution_ids(user: User) -> set[int]:
    """Institutions whose agreements `user` works on (admin, officer, coordinator)."""
    return institution_ids(user, STAFF_ROLES)


def has_role(user: User, institution_id: int, *roles: Role | str) -> bool:
    return bool(_roles_by_institution(user).get(institution_id, set()) & set(roles))
