from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services, views
from .forms import AdminLoginForm
from .models import ApiToken, AuditEvent, Invitation, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["institution"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "language", "is_staff"]
    list_filter = ["is_staff", "is_superuser", "is_active", "language"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Preferences"), {"fields": ["language"]}),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "institution", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "institution__name"]
    raw_id_fields = ["user", "institution"]
    list_select_related = ["user", "institution"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "institution", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "institution__name"]
    list_select_related = ["institution"]
    readonly_fields = [
        "institution",
        "email",
        "role",
        "token_hash",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Invitations carry a secret mailed once: they are made on the members page.
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "token_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A token's secret is shown once to its owner: they create it on their profile.
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset) -> None:  # type: ignore[no-untyped-def]
        tokens = list(queryset.filter(revoked_at__isnull=True))
        actor = request.user if isinstance(request.user, User) else None
        for token in tokens:
            services.api_token_revoke(actor=actor, token=token)
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": len(tokens)})


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "target_repr", "actor__username"]
    list_select_related = ["actor", "target_type"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


# The admin's login page is throttled as Accord's own.
admin.site.login_form = AdminLoginForm
admin.site.login = views.admin_login  # type: ignore[method-assign]
