from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accord.api.v1 import api
from accord.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("accord.core.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("institutions/", include("accord.institutions.urls")),
    path("agreements/", include("accord.agreements.urls")),
    path("p/", include("accord.institutions.public_urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url=static("accord/favicon.svg"), permanent=False)),
]
