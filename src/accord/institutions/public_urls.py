from django.urls import path

from . import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.institution_directory, name="index"),
    path("<slug:slug>/", public_views.institution_public_page, name="institution"),
]
