from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Institution


def institution_public_page(request: HttpRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(Institution, slug=slug)
    return render(request, "institutions/public_page.html", {"institution": institution})
