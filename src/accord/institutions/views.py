from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Institution


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    institutions = Institution.objects.all()[:50]
    return render(request, "institutions/institution_list.html", {"institutions": institutions})


@login_required
def institution_detail(request: HttpRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(Institution, slug=slug)
    return render(request, "institutions/institution_detail.html", {"institution": institution})
