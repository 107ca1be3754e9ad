from django.urls import path

from . import views

app_name = "institutions"
urlpatterns = [
    path("", views.institution_list, name="list"),
    path("new/", views.institution_create, name="create"),
    path("<slug:slug>/", views.institution_detail, name="detail"),
    path("<slug:slug>/edit/", views.institution_edit, name="edit"),
    path("<slug:slug>/units/add/", views.unit_add, name="unit_add"),
    path("<slug:slug>/units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("<slug:slug>/units/<int:pk>/remove/", views.unit_remove, name="unit_remove"),
    path("<slug:slug>/contacts/add/", views.contact_add, name="contact_add"),
    path("<slug:slug>/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("<slug:slug>/contacts/<int:pk>/remove/", views.contact_remove, name="contact_remove"),
]
