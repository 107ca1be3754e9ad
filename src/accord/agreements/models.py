"""Agreements between institutions, their parties, provisions and documents."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accord.core.text import besides_shown


class AgreementKind(models.TextChoices):
    MOU = "mou", _("Memorandum of understanding")
    FRAMEWORK = "framework", _("Framework agreement")
    BILATERAL_EXCHANGE = "bilateral_exchange", _("Bilateral exchange (inter-institutional)")
    JOINT_DEGREE = "joint_degree", _("Joint or double degree")
    AMENDMENT = "amendment", _("Amendment")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NEGOTIATION = "negotiation", _("Negotiation")
    SIGNING = "signing", _("Signing")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class Agreement(models.Model):
    kind = models.CharField(_("kind"), max_length=30, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=300)
    # Titles in other languages, {"ru": "...", "az": "..."}.
    titles = models.JSONField(_("titles in other languages"), default=dict, blank=True)
    # Lower-cased titles, for search in any language on SQLite and PostgreSQL alike.
    # On PostgreSQL a trigram index serves its LIKE (migration 0002, not declared here).
    search_text = models.TextField(editable=False, default="")
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    # How many times the period was extended automatically; the first period's length is
    # (valid_to - valid_from) / (auto_renewals + 1), the length each extension adds.
    auto_renewals = models.PositiveIntegerField(_("automatic renewals"), default=0, editable=False)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Shown on the parties' public pages when active.")
    )
    renews = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("renewal of"),
    )
    amends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("amends"),
    )
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # A list in each of its orders (agreements.filters.SORT_ORDERS), whole or narrowed
        # to a status or a kind, is read from an index in that order, up to its page: the
        # databases need not sort the matching agreements. `id` breaks ties. Newest first
        # without a filter is `created_at`'s own index (rowid or id after it).
        indexes = [
            models.Index(fields=["valid_to", "id"], name="agreement_ending"),
            models.Index(fields=["updated_at", "id"], name="agreement_changed"),
            models.Index(fields=["status", "created_at", "id"], name="agreement_status_newest"),
            # Also what expiry and "ending within" look up.
            models.Index(fields=["status", "valid_to", "id"], name="agreement_status_ending"),
            models.Index(fields=["status", "updated_at", "id"], name="agreement_status_changed"),
            models.Index(fields=["kind", "created_at", "id"], name="agreement_kind_newest"),
            models.Index(fields=["kind", "valid_to", "id"], name="agreement_kind_ending"),
            models.Index(fields=["kind", "updated_at", "id"], name="agreement_kind_changed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="agreement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str) -> str:
        return self.titles.get(language) or self.title

    @property
    def display_title(self) -> str:
        """The title a reader sees: in the active language where one is given."""
        return self.title_in(get_language() or "")

    def other_titles(self) -> list[tuple[str, str]]:
        """The titles besides `display_title`, by language code: the main title first (code
        "") when a translation is shown, then the other languages' titles."""
        return besides_shown(self.title, self.titles)

    def compute_search_text(self) -> str:
        return " ".join([self.title, *self.titles.values()]).lower()


class AgreementParty(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    # Indexed together with the agreement below, which also serves lookups by institution.
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="agreement_parties",
        db_index=False,
    )
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_position = models.CharField(_("signatory's position"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordinated_parties",
        verbose_name=_("coordinator"),
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # The agreements of given institutions, read from the index alone (lists filter
            # by `pk IN (SELECT agreement_id ... WHERE institution_id IN ...)`).
            models.Index(fields=["institution", "agreement"], name="party_institution_agreement")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "institution"], name="party_unique_institution"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} in {self.agreement}"

    @property
    def has_signed(self) -> bool:
        return bool(self.signatory_name and self.signed_on)


class FormerParty(models.Model):
    """An institution that left an agreement. Its staff keep reading the agreement and its
    history, and change nothing of it; the party itself is gone from `parties`, so whatever
    counts or lists parties sees only those still in the agreement."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="former_parties"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="former_agreement_parties",
        db_index=False,
    )
    left_at = models.DateTimeField(_("left on"))

    class Meta:
        ordering = ["left_at", "id"]
        indexes = [
            # "Agreements my institutions were ever party to" (the list's own filter).
            models.Index(fields=["institution", "agreement"], name="former_party_institution")
        ]
        constraints = [
            # Also the index that the lists' visibility check probes for each agreement.
            models.UniqueConstraint(
                fields=["agreement", "institution"], name="former_party_unique_institution"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} left {self.agreement}"


class ProvisionKind(models.TextChoices):
    CENTER_ACCESS = "center_access", _("Access to research centers")
    JOINT_EVENTS = "joint_events", _("Joint events")
    SCHOLARSHIP = "scholarship", _("Scholarships")
    MOBILITY = "mobility", _("Mobility")
    JOINT_RESEARCH = "joint_research", _("Joint research")
    CULTURAL_CENTER = "cultural_center", _("Cultural center")


class Provision(models.Model):
    """What an agreement enables. `terms` holds the kind's own fields, validated by
    the kind's form in agreements/provisions.py."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="provisions")
    kind = models.CharField(_("kind"), max_length=30, choices=ProvisionKind.choices)
    terms = models.JSONField(_("terms"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "agreement"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.agreement})"


class DocumentKind(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed copy")
    ANNEX = "annex", _("Annex")


def document_path(instance: "AgreementDocument", filename: str) -> str:
    return f"agreements/{instance.agreement_id}/{instance.kind}-v{instance.version}-{filename}"


class AgreementDocument(models.Model):
    """One version of a document; every upload is a new version, none is overwritten."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=document_path, max_length=400)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "kind", "version"], name="document_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.version})"


class ExpiryReminder(models.Model):
    """A reminder sent to a party's coordinator; unique so each is sent exactly once."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(AgreementParty, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveIntegerField()
    valid_to = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["party", "days_before", "valid_to"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.days_before} days before {self.valid_to} to party {self.party_id}"
