from django.urls import include, path

from . import views

app_name = "centers"
urlpatterns = [
    path("", views.center_list, name="list"),
    path("new/", views.center_create, name="create"),
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/feed/reset/", views.feed_reset, name="feed_reset"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/approve/", views.booking_approve, name="booking_approve"),
    path("bookings/<int:pk>/reject/", views.booking_reject, name="booking_reject"),
    path("queue/", views.queue, name="queue"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility"),
    path("facilities/<int:pk>/book/", views.facility_book, name="facility_book"),
    path("facilities/<int:pk>/edit/", views.facility_edit, name="facility_edit"),
    path("facilities/<int:pk>/schedule/", views.facility_hours, name="facility_hours"),
    path("facilities/<int:pk>/feed/reset/", views.facility_feed_reset, name="facility_feed_reset"),
    path("facilities/<int:pk>/blackouts/", views.blackout_add, name="blackout_add"),
    path(
        "facilities/<int:pk>/blackouts/<int:blackout_pk>/remove/",
        views.blackout_remove,
        name="blackout_remove",
    ),
    path("facilities/<int:pk>/training/", views.training_grant, name="training_grant"),
    path(
        "facilities/<int:pk>/training/<int:training_pk>/revoke/",
        views.training_revoke,
        name="training_revoke",
    ),
    path("feeds/", include("accord.centers.feed_urls")),
    path("<slug:slug>/", views.center_detail, name="detail"),
    path("<slug:slug>/edit/", views.center_edit, name="edit"),
    path("<slug:slug>/managers/", views.center_managers, name="managers"),
    path("<slug:slug>/facilities/new/", views.facility_create, name="facility_create"),
    path("<slug:slug>/usage.csv", views.center_usage_export, name="usage_export"),
    path("<slug:slug>/photos/", views.center_photo_add, name="photo_add"),
    path("<slug:slug>/photos/<int:pk>/", views.center_photo, name="photo"),
    path("<slug:slug>/photos/<int:pk>/remove/", views.center_photo_remove, name="photo_remove"),
    path("<slug:slug>/photos/<int:pk>/move/", views.center_photo_move, name="photo_move"),
]
