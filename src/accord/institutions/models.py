"""Institutions (universities, academies, institutes, ministries, foundations) and their units."""

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accord.core.text import NamedInLanguages
from accord.core.validators import validate_erasmus_code, validate_ror_id, validate_schac_code


class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", _("University")
    ACADEMY = "academy", _("Academy of sciences")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    MINISTRY = "ministry", _("Ministry")
    FOUNDATION = "foundation", _("Foundation")
    OTHER = "other", _("Other")


class Institution(NamedInLanguages, models.Model):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=300)
    # Names in other languages, {"ru": "...", "kk": "..."}; `name` is the one shown by default.
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    # Lower-cased `name` and `names` joined, so one indexed-free LIKE finds a name in any
    # language on SQLite and PostgreSQL alike; set by the services from the two fields above.
    # On PostgreSQL a trigram index serves that LIKE (migration 0002, not declared here).
    search_text = models.TextField(editable=False, default="")
    kind = models.CharField(
        _("kind"),
        max_length=30,
        choices=InstitutionKind.choices,
        default=InstitutionKind.UNIVERSITY,
    )
    country = CountryField(
        _("country"),
        db_index=True,
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a known country: use its ISO 3166 two-letter code, e.g. KZ."
            ),
            "blank": _("Choose the country."),
        },
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    ror_id = models.CharField(
        _("ROR id"),
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_ror_id],
        error_messages={"unique": _("An institution with this ROR id already exists.")},
        help_text=_("The Research Organization Registry id, e.g. 04wxnsj81."),
    )
    schac_code = models.CharField(
        _("SCHAC code"),
        max_length=253,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_schac_code],
        error_messages={
            "unique": _("An institution with this SCHAC code (domain) already exists.")
        },
        help_text=_("The institution's internet domain, as Erasmus Without Paper uses it."),
    )
    # What the world universities list last gave for the institution: {"name", "country",
    # "website"}. A later import changes a field only while it still holds that value, so an
    # edit made in Accord survives it (institutions/importer.py). Empty when never imported.
    imported = models.JSONField(default=dict, blank=True, editable=False)
    erasmus_code = models.CharField(
        _("Erasmus code"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_erasmus_code],
        error_messages={"unique": _("An institution with this Erasmus code already exists.")},
        help_text=_("e.g. PL WARSZAW01"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent institution"),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("institutions:detail", kwargs={"slug": self.slug})

    def compute_search_text(self) -> str:
        return " ".join([self.name, *self.names.values()]).lower()


class UnitKind(models.TextChoices):
    FACULTY = "faculty", _("Faculty")
    DEPARTMENT = "department", _("Department")
    CENTER = "center", _("Center")
    INSTITUTE = "institute", _("Institute")
    OTHER = "other", _("Other")


class Unit(NamedInLanguages, models.Model):
    """A faculty, department or center of an institution."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=300)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"],
                name="unit_unique_name",
                violation_error_message=_("This institution already has a unit with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="contacts")
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("unit"),
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(
        _("phone"),
        max_length=40,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ()./-]{4,}[0-9]$",
                _("Write the phone number with digits, spaces, + ( ) and -, e.g. +7 727 377 3333."),
            )
        ],
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
