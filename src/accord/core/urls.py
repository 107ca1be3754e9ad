from django.urls import path

from . import views

# Included before django.contrib.auth.urls, so "login" and "password_reset" here replace
# Django's own.
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.api_token_create, name="api_token_create"),
    path("profile/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path(
        "institutions/<slug:slug>/members/",
        views.institution_members,
        name="institution_members",
    ),
    path(
        "institutions/<slug:slug>/members/invite/",
        views.institution_member_invite,
        name="institution_member_invite",
    ),
    path(
        "institutions/<slug:slug>/members/<int:pk>/revoke/",
        views.institution_membership_revoke,
        name="institution_membership_revoke",
    ),
    path(
        "institutions/<slug:slug>/invitations/<int:pk>/revoke/",
        views.institution_invitation_revoke,
        name="institution_invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
