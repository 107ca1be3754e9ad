"""People, their roles at institutions, API tokens and the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=_("A user with this e-mail address already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    ADMIN = "admin", _("Institution admin")
    OFFICER = "officer", _("International officer")
    COORDINATOR = "coordinator", _("Partner coordinator")
    RESEARCHER = "researcher", _("Researcher")
    STUDENT = "student", _("Student")
    REVIEWER = "reviewer", _("Reviewer")


# Roles whose holders work on their institution's agreements (see, edit, sign).
STAFF_ROLES = (Role.ADMIN, Role.OFFICER, Role.COORDINATOR)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} - {self.institution}"


class Invitation(models.Model):
    """An institution admin's invitation of a person, by e-mail, to a role."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["institution", "accepted_at", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} at {self.institution_id}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, help_text=_("First characters, to recognise it."))
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """A failed login, kept for throttling across every web process. An attempt is written
    as failed before its password is checked, and removed when it succeeds (throttle.py)."""

    username = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address} at {self.at:%Y-%m-%d %H:%M:%S}"


class PasswordResetRequest(models.Model):
    """A password-reset mail asked for, whether or not an account uses the address, kept for
    throttling across every web process."""

    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.email} from {self.ip_address} at {self.at:%Y-%m-%d %H:%M:%S}"


class AuditEvent(models.Model):
    """Who did what to which object, when, with the before/after of changed fields."""

    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"


class BackgroundJob(models.Model):
    """A background task that has failed at least once, and how its latest runs went: it is
    failing while its latest failure is newer than its latest success."""

    task_path = models.CharField(max_length=200, unique=True)
    last_failed_at = models.DateTimeField()
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    # Platform staff are written to about a failing job at most once a day.
    staff_notified_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-last_failed_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.task_path.rsplit(".", 1)[-1]

    @property
    def is_failing(self) -> bool:
        return self.last_succeeded_at is None or self.last_succeeded_at < self.last_failed_at


class JobFailure(models.Model):
    """One failed run of a background task, kept for platform staff to see."""

    job = models.ForeignKey(BackgroundJob, on_delete=models.CASCADE, related_name="failures")
    failed_at = models.DateTimeField()
    error_type = models.CharField(max_length=200)
    error_message = models.TextField(blank=True)
    # The end of the traceback, where the error was raised.
    traceback = models.TextField(blank=True)

    class Meta:
        ordering = ["-failed_at", "-id"]
        indexes = [models.Index(fields=["failed_at", "id"], name="job_failure_newest")]

    def __str__(self) -> str:
        return f"{self.job.name} at {self.failed_at:%Y-%m-%d %H:%M:%S}: {self.error_type}"
