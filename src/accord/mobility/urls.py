from django.urls import include, path

from . import views

app_name = "mobility"
urlpatterns = [
    path("", views.mobility_list, name="list"),
    path("export.csv", views.mobility_export, name="export_csv"),
    path("mine/", views.my_mobilities, name="mine"),
    path("new/", views.mobility_create, name="create"),
    path("unit-options/", views.unit_options, name="unit_options"),
    path("<int:pk>/", views.mobility_detail, name="detail"),
    path("<int:pk>/edit/", views.mobility_edit, name="edit"),
    path("<int:pk>/transition/", views.mobility_transition, name="transition"),
    path("<int:pk>/return/", views.mobility_return, name="return"),
    path("<int:pk>/obligations/", views.obligation_add, name="obligation_add"),
    path(
        "<int:pk>/obligations/<int:obligation_pk>/resolve/",
        views.obligation_resolve,
        name="obligation_resolve",
    ),
    path("imports/", include("accord.mobility.import_urls")),
]
