from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok"} when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    """The officer's dashboard when logged in, an introduction otherwise."""
    if request.user.is_authenticated:
        from accord.analytics.views import dashboard

        return dashboard(request)
    return render(request, "core/welcome.html")


from django.contrib.auth.decorators import login_required  # noqa: E402


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "core/profile.html", {})
