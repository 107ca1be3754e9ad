"""iCalendar feed addresses, included under the centers' `feeds/`."""

from django.urls import path

from . import feed_views

urlpatterns = [
    path("facility/<str:token>.ics", feed_views.facility_feed, name="facility_feed"),
    path("user/<str:token>.ics", feed_views.user_feed, name="user_feed"),
]
