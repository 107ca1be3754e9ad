from django.urls import path

from . import public_views

app_name = "public"
urlpatterns = [
    path("<slug:slug>/", public_views.institution_public_page, name="institution"),
]
