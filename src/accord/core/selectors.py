"""Every read of people, roles, invitations and API tokens that a page or the API shows."""

from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accord.institutions.models import Institution

from .models import ApiToken, BackgroundJob, Invitation, JobFailure, Membership, User
from .tokens import hash_secret


def memberships_of(user: User) -> QuerySet[Membership]:
    """The roles `user` holds, with their institutions, for their own profile."""
    return (
        Membership.objects.filter(user=user)
        .select_related("institution")
        .order_by("institution__name", "role")
    )


@dataclass
class Member:
    """A person with the roles they hold at one institution, oldest first."""

    user: User
    memberships: list[Membership]


def members_visible_to(user: User, institution: Institution) -> list[Member]:
    """The people holding roles at `institution`, by name, each once with their roles, if
    `user` may see them."""
    if not user.has_perm("core.view_members", institution):
        return []
    # A person's roles come one after the other (the username is unique), oldest first.
    roles = (
        Membership.objects.filter(institution=institution)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "created_at", "id")
    )
    return [
        Member(user=held[0].user, memberships=held)
        for held in (list(group) for _, group in groupby(roles, key=attrgetter("user_id")))
    ]


def invitations_visible_to(user: User, institution: Institution) -> QuerySet[Invitation]:
    """Pending invitations to `institution`, for the people who manage its members."""
    if not user.has_perm("core.manage_members", institution):
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(
            institution=institution,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link's token stands for, whatever its state; None if unknown."""
    return (
        Invitation.objects.select_related("institution", "invited_by")
        .filter(token_hash=hash_secret(token))
        .first()
    )


def api_tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """`user`'s own tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def failing_jobs_visible_to(user: User) -> list[BackgroundJob]:
    """The background jobs whose latest run failed, newest failure first, for platform staff;
    nothing (and no query) for anyone else. A job that succeeded since is not listed."""
    if not user.has_perm("core.view_job_failures"):
        return []
    return list(
        BackgroundJob.objects.filter(
            Q(last_succeeded_at=None) | Q(last_succeeded_at__lt=F("last_failed_at"))
        ).order_by("-last_failed_at", "-pk")
    )


def job_failures_visible_to(user: User, *, limit: int = 50) -> list[JobFailure]:
    """The latest failed runs of background jobs, newest first, for platform staff."""
    if not user.has_perm("core.view_job_failures"):
        return []
    return list(JobFailure.objects.select_related("job").order_by("-failed_at", "-pk")[:limit])
