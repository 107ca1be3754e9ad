"""The pages of mobility imports, under /mobility/imports/ in the `mobility` namespace."""

from django.urls import path

from . import import_views as views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_create, name="import_create"),
    path("template.csv", views.import_template, {"fmt": "csv"}, name="import_template_csv"),
    path("template.xlsx", views.import_template, {"fmt": "xlsx"}, name="import_template_xlsx"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/status/", views.import_status, name="import_status"),
    path("<int:pk>/restart/", views.import_restart, name="import_restart"),
    path("<int:pk>/report.csv", views.import_report_csv, name="import_report_csv"),
]
