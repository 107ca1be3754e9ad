"""Mobilities in Django's admin, to look at only: every change goes through the services
(with their checks, places and audit event), that is through the pages, the API or an import."""

from django.contrib import admin

from accord.core.readonly_admin import ReadOnlyMixin

from .models import Mobility, MobilityImport, ObligationReminder, ReturnObligation


class ObligationInline(ReadOnlyMixin, admin.TabularInline):
    model = ReturnObligation
    fields = ("programme", "years_of_work", "return_within_months", "due_on", "status")
    extra = 0


@admin.register(Mobility)
class MobilityAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "family_name",
        "given_names",
        "home_institution",
        "host_institution",
        "kind",
        "academic_year",
        "status",
    )
    list_filter = ("status", "kind", "person_kind", "funding", "academic_year", "host_country")
    search_fields = ("family_name", "given_names", "email", "esi", "external_id")
    list_select_related = ("home_institution", "host_institution")
    raw_id_fields = (
        "user",
        "home_institution",
        "host_institution",
        "home_unit",
        "host_unit",
        "agreement",
        "provision",
        "created_by",
    )
    inlines = [ObligationInline]


@admin.register(ReturnObligation)
class ReturnObligationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("programme", "mobility", "due_on", "status")
    list_filter = ("status",)
    list_select_related = ("mobility",)
    raw_id_fields = ("mobility",)


@admin.register(ObligationReminder)
class ObligationReminderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("obligation", "days_before", "due_on", "sent_at")
    raw_id_fields = ("obligation",)


@admin.register(MobilityImport)
class MobilityImportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("original_name", "institution", "status", "rows_total", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("institution", "created_by")
