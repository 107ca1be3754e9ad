from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


def institutions(request: HttpRequest) -> HttpResponse:
    """Twenty institutions, read with one query and rendered with a small template."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name, city, country FROM institutions_institution ORDER BY id LIMIT 20"
        )
        rows = cursor.fetchall()
    return render(request, "bare.html", {"rows": rows})


urlpatterns = [path("bare/", institutions)]
