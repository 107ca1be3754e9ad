"""Centers and bookings in Django's admin, to look at only: every change goes through the
services (with their checks, locks and audit events), that is through the pages or the API."""

from django.contrib import admin

from accord.core.readonly_admin import ReadOnlyMixin

from .models import (
    Blackout,
    Booking,
    CalendarFeed,
    CenterPhoto,
    Facility,
    OpeningHours,
    ResearchCenter,
    Training,
)


class PhotoInline(ReadOnlyMixin, admin.TabularInline):
    model = CenterPhoto
    fields = ("image", "caption", "position")
    extra = 0


class FacilityInline(ReadOnlyMixin, admin.TabularInline):
    model = Facility
    fields = ("name", "kind", "capacity", "slot_minutes", "requires_training", "is_active")
    extra = 0


class OpeningHoursInline(ReadOnlyMixin, admin.TabularInline):
    model = OpeningHours
    fields = ("weekday", "opens", "closes")
    extra = 0


class BlackoutInline(ReadOnlyMixin, admin.TabularInline):
    model = Blackout
    fields = ("starts_at", "ends_at", "reason")
    extra = 0


class TrainingInline(ReadOnlyMixin, admin.TabularInline):
    model = Training
    fields = ("user", "granted_by", "granted_at")
    readonly_fields = ("granted_at",)
    extra = 0


@admin.register(ResearchCenter)
class ResearchCenterAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "institution", "city", "is_public")
    list_filter = ("is_public",)
    search_fields = ("name", "slug", "institution__name")
    inlines = (FacilityInline, PhotoInline)
    list_select_related = ("institution",)


@admin.register(Facility)
class FacilityAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "center", "kind", "capacity", "slot_minutes", "is_active")
    list_filter = ("kind", "requires_training", "is_active")
    search_fields = ("name", "center__name")
    exclude = ("feed_token",)
    inlines = (OpeningHoursInline, BlackoutInline, TrainingInline)
    list_select_related = ("center",)


@admin.register(Booking)
class BookingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("facility", "requester", "institution", "starts_at", "ends_at", "status")
    list_filter = ("status",)
    search_fields = ("facility__name", "requester__username", "purpose", "project")
    date_hierarchy = "starts_at"
    raw_id_fields = ("facility", "requester", "institution", "agreement", "provision")
    list_select_related = ("facility", "requester", "institution")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("user", "created_at")
    exclude = ("token",)
    list_select_related = ("user",)
