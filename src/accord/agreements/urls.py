from django.urls import path

from . import views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("export.csv", views.agreement_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.agreement_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("new/", views.agreement_create, name="create"),
    path("institution-options/", views.institution_options, name="institution_options"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/edit/", views.agreement_edit, name="edit"),
    path("<int:pk>/transition/", views.agreement_transition, name="transition"),
    path("<int:pk>/renew/", views.agreement_renew, name="renew"),
    path("<int:pk>/amend/", views.agreement_amend, name="amend"),
    path("<int:pk>/parties/add/", views.party_add, name="party_add"),
    path("<int:pk>/parties/<int:party_pk>/remove/", views.party_remove, name="party_remove"),
    path("<int:pk>/parties/<int:party_pk>/sign/", views.party_sign, name="party_sign"),
    path(
        "<int:pk>/parties/<int:party_pk>/coordinator/",
        views.party_coordinator,
        name="party_coordinator",
    ),
    path("<int:pk>/provisions/form/", views.provision_form, name="provision_form"),
    path("<int:pk>/provisions/add/", views.provision_add, name="provision_add"),
    path(
        "<int:pk>/provisions/<int:provision_pk>/edit/", views.provision_edit, name="provision_edit"
    ),
    path(
        "<int:pk>/provisions/<int:provision_pk>/remove/",
        views.provision_remove,
        name="provision_remove",
    ),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path(
        "<int:pk>/documents/<int:document_pk>/",
        views.document_download,
        name="document_download",
    ),
]
