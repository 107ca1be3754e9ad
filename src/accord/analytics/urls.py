from django.urls import path

from . import mobility_views

app_name = "analytics"

urlpatterns = [
    path("mobility/", mobility_views.mobility_flows, name="mobility_flows"),
]
