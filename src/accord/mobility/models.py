"""Mobilities: a student or staff member going from a home institution to a host institution.

Field names follow the Erasmus Without Paper outgoing-mobility format (omobilities v3) where the
two overlap: given names, family name, birth date, nationality, the European Student Identifier
(`global-id`), sending and receiving institution and unit, EQF level, ISCED-F code, receiving
academic year. An export to EWP is a mapping of these fields.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class PersonKind(models.TextChoices):
    STUDENT = "student", _("Student")
    STAFF = "staff", _("Staff")


class MobilityKind(models.TextChoices):
    DEGREE_STUDY = "degree_study", _("Degree study")
    SEMESTER_EXCHANGE = "semester_exchange", _("Semester exchange")
    TRAINEESHIP = "traineeship", _("Traineeship")
    TEACHING = "teaching", _("Teaching")
    TRAINING = "training", _("Training")
    RESEARCH_STAY = "research_stay", _("Research stay")


class Funding(models.TextChoices):
    SCHOLARSHIP = "scholarship", _("Scholarship award")
    GOVERNMENT = "government", _("Government programme")
    AGREEMENT = "agreement", _("The agreement's own funds")
    SELF_FUNDED = "self_funded", _("Self-funded")


class MobilityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    NOMINATED = "nominated", _("Nominated")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses whose mobilities take one of a provision's places.
COUNTED_STATUSES = (
    MobilityStatus.PLANNED,
    MobilityStatus.NOMINATED,
    MobilityStatus.ONGOING,
    MobilityStatus.COMPLETED,
)


class Mobility(models.Model):
    # A stable id given by the home institution (e.g. an import's row id); re-importing a row
    # with the same id updates that mobility instead of adding another.
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True)
    person_kind = models.CharField(
        _("person"), max_length=10, choices=PersonKind.choices, default=PersonKind.STUDENT
    )
    given_names = models.CharField(_("given names"), max_length=200)
    family_name = models.CharField(_("family name"), max_length=200)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    # European Student Identifier, e.g. urn:schac:personalUniqueCode:int:esi:uw.edu.pl:123.
    esi = models.CharField(_("European Student Identifier"), max_length=255, blank=True)
    # The account of the person, when they have one: a student sees their own mobilities.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mobilities",
        verbose_name=_("account"),
    )

    # No index of its own for the three foreign keys that lead an index of Meta.indexes or
    # constraints: that index serves every look-up by the key, and each index more is one
    # more to update for every mobility added.
    home_institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        db_index=False,
        related_name="outgoing_mobilities",
        verbose_name=_("home institution"),
    )
    home_unit = models.ForeignKey(
        "institutions.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home unit"),
    )
    host_institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        db_index=False,
        related_name="incoming_mobilities",
        verbose_name=_("host institution"),
    )
    host_unit = models.ForeignKey(
        "institutions.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host unit"),
    )
    # Copied from the two institutions when the mobility is written, so flows by country are
    # counted from this table alone.
    home_country = CountryField(_("home country"))
    host_country = CountryField(_("host country"))

    kind = models.CharField(_("kind"), max_length=20, choices=MobilityKind.choices)
    eqf_level = models.PositiveSmallIntegerField(_("EQF level"), null=True, blank=True)
    isced_code = models.CharField(_("field of education (ISCED-F)"), max_length=4, blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    # "2025/2026": the academic year the mobility starts in (years begin on 1 September).
    academic_year = models.CharField(_("academic year"), max_length=9, editable=False)
    funding = models.CharField(_("funding"), max_length=20, choices=Funding.choices)
    # The programme or scholarship that pays, e.g. "Bolashak"; free text.
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mobilities",
        verbose_name=_("agreement"),
    )
    provision = models.ForeignKey(
        "agreements.Provision",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="mobilities",
        verbose_name=_("provision"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=MobilityStatus.choices,
        default=MobilityStatus.PLANNED,
    )
    cancellation_reason = models.TextField(_("reason for cancellation"), blank=True)

    # Return, recorded after completion: None while nobody knows.
    returned_home = models.BooleanField(_("returned home"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    employer = models.CharField(_("employer at home"), max_length=300, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name_plural = _("mobilities")
        constraints = [
            models.UniqueConstraint(
                fields=["home_institution", "external_id"],
                condition=Q(external_id__isnull=False),
                name="mobility_unique_external_id",
                violation_error_message=_(
                    "The home institution already has a mobility with this external id."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="mobility_ends_after_start",
                violation_error_message=_("The end cannot be before the start."),
            ),
            models.CheckConstraint(
                condition=~Q(host_institution=F("home_institution")),
                name="mobility_host_is_not_home",
                violation_error_message=_("The host institution must differ from the home one."),
            ),
        ]
        indexes = [
            models.Index(fields=["home_institution", "start_date"]),
            models.Index(fields=["host_institution", "start_date"]),
            models.Index(fields=["provision", "academic_year"]),
            # The lists' order, so that a page of everyone's mobilities reads 50 index entries
            # instead of sorting the whole table.
            models.Index(fields=["-start_date", "id"], name="mobility_list_order_idx"),
            # Lists by status, and every column the flows' aggregates (analytics/mobility_flows)
            # read: they scan this narrow index instead of the table's wide rows.
            models.Index(
                fields=[
                    "status",
                    "academic_year",
                    "home_country",
                    "host_country",
                    "home_institution",
                    "host_institution",
                    "agreement",
                    "eqf_level",
                    "isced_code",
                    "kind",
                    "funding",
                    "end_date",
                    "returned_home",
                ],
                name="mobility_flows_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name}: {self.academic_year}"

    def get_absolute_url(self) -> str:
        return reverse("mobility:detail", kwargs={"pk": self.pk})

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


class ObligationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    FULFILLED = "fulfilled", _("Fulfilled")
    BREACHED = "breached", _("Breached")
    WAIVED = "waived", _("Waived")


class ReturnObligation(models.Model):
    """A programme's condition that its graduate come home and work there, e.g. Bolashak's
    five years of work in Kazakhstan, starting within some months of graduating."""

    mobility = models.ForeignKey(Mobility, on_delete=models.CASCADE, related_name="obligations")
    programme = models.CharField(_("programme"), max_length=200)
    years_of_work = models.PositiveSmallIntegerField(_("years of work at home"))
    return_within_months = models.PositiveSmallIntegerField(_("return within (months)"))
    # The day by which the person must have returned: the mobility's end plus the months above.
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ObligationStatus.choices,
        default=ObligationStatus.PENDING,
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.programme}: {self.mobility}"


class ObligationReminder(models.Model):
    """A reminder sent before an obligation falls due; the unique key makes sending idempotent
    when several daily runs overlap."""

    obligation = models.ForeignKey(ReturnObligation, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveIntegerField()
    due_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["obligation", "days_before", "due_on"], name="obligation_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.obligation_id}: {self.days_before} days before {self.due_on}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FAILED = "failed", _("Rejected")
    SUCCEEDED = "succeeded", _("Imported")


def import_file_path(instance: "MobilityImport", filename: str) -> str:
    return f"mobility-imports/{instance.institution_id}/{filename}"


class MobilityImport(models.Model):
    """An uploaded file of mobilities for one home institution, checked and committed by a
    background task; `report` names every bad row and field when the file is rejected."""

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="mobility_imports",
        verbose_name=_("home institution"),
    )
    file = models.FileField(_("file"), upload_to=import_file_path, max_length=400)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    created_count = models.PositiveIntegerField(_("added"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    # {"errors": [{"row": 7, "field": "end_date", "message": "..."}], "error_count": N}
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The process running the import ("host:pid:start") and its last sign of life: an import
    # queued or running whose process is gone, or silent too long, stopped (importer.stale).
    runner = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("mobility:import_detail", kwargs={"pk": self.pk})
