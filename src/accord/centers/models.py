"""Research centers, their bookable facilities and the bookings partners make in them.

Who may book follows from agreements: members of the host institution, and members of partner
institutions under an active agreement whose `center_access` provision names the center
(`Provision.terms["center_ids"]`), up to that provision's hours per year.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.core.text import NamedInLanguages


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class ResearchCenter(NamedInLanguages, models.Model):
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="research_centers",
        verbose_name=_("institution"),
    )
    unit = models.ForeignKey(
        "institutions.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="research_centers",
        verbose_name=_("unit"),
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=300)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    # Shown on the institution's public pages; a center that is not public is seen only by the
    # users who may book it.
    is_public = models.BooleanField(_("public"), default=True)
    # Users who approve bookings and mark people trained; the institution's admins and
    # officers manage every center of their institution as well.
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_centers",
        verbose_name=_("managers"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("centers:detail", kwargs={"slug": self.slug})


def center_photo_path(instance: "CenterPhoto", filename: str) -> str:
    return f"centers/{instance.center_id}/{filename}"


class CenterPhoto(models.Model):
    center = models.ForeignKey(ResearchCenter, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=center_photo_path, max_length=400)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.caption or f"{self.center}: {self.pk}"


class FacilityKind(models.TextChoices):
    INSTRUMENT = "instrument", _("Instrument")
    LAB = "lab", _("Laboratory")
    ROOM = "room", _("Room")
    COLLECTION = "collection", _("Collection")
    ARCHIVE = "archive", _("Archive")


class Facility(NamedInLanguages, models.Model):
    center = models.ForeignKey(ResearchCenter, on_delete=models.PROTECT, related_name="facilities")
    name = models.CharField(_("name"), max_length=300)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    description = models.TextField(_("description"), blank=True)
    # How many approved bookings may overlap at any moment.
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=60)
    requires_training = models.BooleanField(_("requires training"), default=False)
    training_note = models.CharField(_("training or safety induction"), max_length=300, blank=True)
    # Free for partners under an agreement when True; otherwise `price_per_hour` applies.
    free_under_agreement = models.BooleanField(_("free under an agreement"), default=True)
    price_per_hour = models.DecimalField(
        _("price per hour"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    is_active = models.BooleanField(_("bookable"), default=True)
    # Secret part of the facility's iCalendar feed URL.
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = _("facilities")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="facility_capacity_positive"),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5), name="facility_slot_at_least_5_minutes"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("centers:facility", kwargs={"pk": self.pk})


class OpeningHours(models.Model):
    """One weekday's opening time of a facility; a day without a row is closed. Times are in
    the server's time zone (settings.TIME_ZONE)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="opening_hours_close_after_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens}-{self.closes}"


class Blackout(models.Model):
    """A period when a facility cannot be booked: maintenance, holidays."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="blackouts")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="blackout_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility}: {self.reason}"


class Training(models.Model):
    """A manager's record that a user completed a facility's training or safety induction."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="trainings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainings"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility", "user"], name="training_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.facility}"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    WAITLISTED = "waitlisted", _("On the waiting list")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


class Booking(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="bookings")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("requested by"),
    )
    # The institution the requester books for; a partner's booking names the agreement and
    # its center_access provision that grant the access, and counts against its hours.
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("institution"),
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("agreement"),
    )
    provision = models.ForeignKey(
        "agreements.Provision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    purpose = models.TextField(_("purpose"))
    project = models.CharField(_("project"), max_length=300, blank=True)
    # Bookings made together as one recurring request share a series id.
    series = models.UUIDField(null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set when the agreement behind a future booking ends, for the manager to act on.
    flagged_reason = models.CharField(_("needs attention"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["facility", "status", "starts_at"]),
            models.Index(fields=["requester", "starts_at"]),
            models.Index(fields=["provision", "status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.facility}: {self.starts_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("centers:booking", kwargs={"pk": self.pk})

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class CalendarFeed(models.Model):
    """A user's secret iCalendar feed of their own bookings."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user}"
