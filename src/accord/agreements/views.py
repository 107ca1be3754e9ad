from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Agreement


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "agreements/agreement_list.html", {"agreements": Agreement.objects.none()}
    )
