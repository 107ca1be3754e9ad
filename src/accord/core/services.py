"""Every write to people, their roles, invitations and API tokens.

Each function takes the acting user (`actor`; None for the operator at the command line),
checks what it may do, runs in one transaction and records an audit event. Membership and
invitation events name the institution as their target, so its history tells who joined when.
"""

import datetime as dt
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.institutions.models import Institution

from .audit import audit_record, diff, snapshot
from .memberships import forget_memberships
from .models import ApiToken, Invitation, Membership, Role, User
from .tokens import hash_secret, new_secret

INVITATION_VALID_DAYS = 14
PROFILE_FIELDS = ("first_name", "last_name", "email", "language")
TOKEN_NAME_MAX_LENGTH = 100
# Django's validator allows 320 characters; the column, as RFC 5321's path, holds 254.
EMAIL_MAX_LENGTH = 254


def _require(actor: User | None, perm: str, obj: Institution) -> None:
    if actor is not None and not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You may not manage the members of this institution."))


def _email_taken(email: str, *, exclude: User | None = None) -> bool:
    users = User.objects.filter(email__iexact=email)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()


def _clean_email(email: str, field: str = "email") -> str:
    email = (email or "").strip()
    if not email:
        raise ValidationError({field: _("Enter an e-mail address.")})
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({field: _("Enter a valid e-mail address.")}) from exc
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            {
                field: _("An e-mail address has at most %(limit)d characters.")
                % {"limit": EMAIL_MAX_LENGTH}
            }
        )
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _clean_role(role: str) -> str:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of the roles offered.")})
    return role


# Profile -------------------------------------------------------------------------------------


def profile_update(
    *,
    actor: User | None,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    language: str,
) -> User:
    """Change a person's name, e-mail address and language."""
    if actor is not None and actor.pk != user.pk and not actor.is_staff:
        raise PermissionDenied(_("You may only change your own profile."))
    email = _clean_email(email)
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    with transaction.atomic():
        if _email_taken(email, exclude=user):
            raise ValidationError({"email": _("Another account uses this e-mail address.")})
        before = snapshot(user, PROFILE_FIELDS)
        user.first_name = first_name.strip()[:150]
        user.last_name = last_name.strip()[:150]
        user.email = email
        user.language = language
        user.save(update_fields=list(PROFILE_FIELDS))
        changes = diff(before, snapshot(user, PROFILE_FIELDS))
        if changes:
            audit_record(actor=actor, action="user.updated", target=user, changes=changes)
    return user


# API tokens ----------------------------------------------------------------------------------


def api_token_create(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal API token for `user`; the plaintext is returned once and never stored."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied(_("People create their own API tokens."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, to recognise it later.")})
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise ValidationError({"name": _("Use at most 100 characters.")})
    plaintext = new_secret("acc")
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=plaintext[:12], token_hash=hash_secret(plaintext)
        )
        audit_record(
            actor=actor,
            action="api_token.created",
            target=token,
            changes={"user": user.username, "name": name, "prefix": token.prefix},
        )
    return token, plaintext


def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Stop a token from authenticating; revoking a revoked token changes nothing."""
    if actor is not None and actor.pk != token.user_id and not actor.is_staff:
        raise PermissionDenied(_("You may only revoke your own API tokens."))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="api_token.revoked",
                target=token,
                changes={"revoked_at": [None, token.revoked_at]},
            )
    return token


# Memberships ---------------------------------------------------------------------------------


def membership_grant(
    *, actor: User | None, institution: Institution, user: User, role: str
) -> Membership:
    """Give `user` a role at `institution`; granting a role already held changes nothing."""
    _require(actor, "core.manage_members", institution)
    role = _clean_role(role)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, institution=institution, role=role
        )
        if created:
            audit_record(
                actor=actor,
                action="membership.granted",
                target=institution,
                changes={"user": user.username, "role": role},
            )
    forget_memberships(user)
    return membership


def membership_revoke(*, actor: User | None, membership: Membership) -> None:
    """Take a role away. An institution keeps at least one admin, unless staff remove it."""
    institution = membership.institution
    _require(actor, "core.manage_members", institution)
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        )
        if membership.role == Role.ADMIN and not (actor is None or actor.is_staff):
            admins = Membership.objects.filter(institution=institution, role=Role.ADMIN)
            if admins.count() <= 1:
                raise ValidationError(
                    {"role": _("An institution needs at least one admin; appoint another first.")}
                )
        user = membership.user
        role = membership.role
        membership.delete()
        audit_record(
            actor=actor,
            action="membership.revoked",
            target=institution,
            changes={"user": user.username, "role": role},
        )
    forget_memberships(user)


# Invitations ---------------------------------------------------------------------------------


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[token])


def _send_invitation(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "institution": invitation.institution,
        "role": invitation.get_role_display(),
        "inviter": invitation.invited_by,
        "url": invitation_url(token),
    }
    subject = render_to_string("core/email/invitation_subject.txt", context).strip()
    body = render_to_string("core/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_create(
    *, actor: User | None, institution: Institution, email: str, role: str
) -> tuple[Invitation, str]:
    """Invite a person by e-mail to a role; the link in the mail is valid for 14 days."""
    _require(actor, "core.manage_members", institution)
    email = _clean_email(email)
    role = _clean_role(role)
    now = timezone.now()
    with transaction.atomic():
        if Membership.objects.filter(
            institution=institution, role=role, user__email__iexact=email
        ).exists():
            raise ValidationError({"email": _("This person already holds this role here.")})
        if Invitation.objects.filter(
            institution=institution,
            role=role,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).exists():
            raise ValidationError(
                {"email": _("An invitation to this address for this role is already pending.")}
            )
        token = new_secret("inv")
        invitation = Invitation.objects.create(
            institution=institution,
            email=email,
            role=role,
            token_hash=hash_secret(token),
            invited_by=actor,
            expires_at=now + dt.timedelta(days=INVITATION_VALID_DAYS),
        )
        audit_record(
            actor=actor,
            action="invitation.created",
            target=institution,
            changes={"email": email, "role": role},
        )
        transaction.on_commit(partial(_send_invitation, invitation, token))
    return invitation, token


def invitation_revoke(*, actor: User | None, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: its link stops working."""
    _require(actor, "core.manage_members", invitation.institution)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_pending:
            raise ValidationError({"invitation": _("This invitation is no longer pending.")})
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="invitation.revoked",
            target=invitation.institution,
            changes={"email": invitation.email, "role": invitation.role},
        )
    return invitation


def invitation_check(invitation: Invitation | None) -> Invitation:
    """The invitation when it may still be accepted; else a ValidationError saying why."""
    if invitation is None:
        raise ValidationError(
            {"token": _("This invitation link is not valid. Check that you copied all of it.")}
        )
    if invitation.accepted_at is not None:
        raise ValidationError({"token": _("This invitation has already been accepted.")})
    if invitation.revoked_at is not None:
        raise ValidationError({"token": _("This invitation has been withdrawn.")})
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            {"token": _("This invitation has expired. Ask the institution for a new one.")}
        )
    return invitation


def _locked_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("institution")
        .filter(token_hash=hash_secret(token))
        .first()
    )
    return invitation_check(invitation)


def _accept(invitation: Invitation, user: User) -> Membership:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=user,
        action="invitation.accepted",
        target=invitation.institution,
        changes={"email": invitation.email, "role": invitation.role, "user": user.username},
    )
    membership, created = Membership.objects.get_or_create(
        user=user, institution=invitation.institution, role=invitation.role
    )
    if created:
        audit_record(
            actor=user,
            action="membership.granted",
            target=invitation.institution,
            changes={"user": user.username, "role": invitation.role},
        )
    forget_memberships(user)
    return membership


def invitation_accept(*, token: str, user: User) -> Membership:
    """The logged-in `user` takes up the invitation: they get its role at its institution."""
    with transaction.atomic():
        return _accept(_locked_invitation(token), user)


def invitation_accept_with_signup(
    *, token: str, username: str, first_name: str, last_name: str, password: str
) -> User:
    """Create an account for the invited e-mail address and accept the invitation with it."""
    username = (username or "").strip()
    with transaction.atomic():
        invitation = _locked_invitation(token)
        errors: dict[str, str] = {}
        if not username:
            errors["username"] = _("Choose a username.")
        else:
            try:
                User.username_validator(username)
            except ValidationError:
                errors["username"] = _(
                    "Use letters, digits and @ . + - _ only, at most 150 characters."
                )
            if len(username) > 150:
                errors["username"] = _("Use at most 150 characters.")
            elif User.objects.filter(
                Q(username__iexact=username) | Q(email__iexact=username)
            ).exists():
                errors["username"] = _("This username is taken; choose another.")
        if _email_taken(invitation.email):
            errors["__all__"] = _(
                "An account with the e-mail address %(email)s already exists. "
                "Log in with it to accept the invitation."
            ) % {"email": invitation.email}
        if errors:
            raise ValidationError(errors)
        user = User(
            username=username,
            email=invitation.email,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
        user.save()
        audit_record(
            actor=user,
            action="user.created",
            target=user,
            changes={"username": username, "email": invitation.email, "via": "invitation"},
        )
        _accept(invitation, user)
    return user
