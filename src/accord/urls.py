from django.contrib import admin
from django.urls import include, path

from accord.analytics import views as analytics_views
from accord.api.v1 import api
from accord.core import job_views
from accord.core import views as core_views

urlpatterns = [
    path("", analytics_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("accord.core.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("institutions/", include("accord.institutions.urls")),
    path("agreements/", include("accord.agreements.urls")),
    path("mobility/", include("accord.mobility.urls")),
    path("analytics/", include("accord.analytics.urls")),
    path("centers/", include("accord.centers.urls")),
    path("p/", include("accord.institutions.public_urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/jobs/", job_views.job_failures, name="job_failures"),
    path("admin/", admin.site.urls),
    path("favicon.ico", core_views.favicon),
]
