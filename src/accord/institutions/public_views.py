"""Pages anybody may read, without logging in: what an institution shares publicly."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accord.analytics import charts, selectors
from accord.core.text import language_name


@require_GET
def institution_public_page(request: HttpRequest, slug: str) -> HttpResponse:
    profile = selectors.institution_public_profile(slug)
    institution = profile.institution
    other_names = [
        (code, language_name(code) if code else "", name)
        for code, name in institution.other_names()
    ]
    website = institution.website
    return render(
        request,
        "institutions/public_page.html",
        {
            "profile": profile,
            "institution": institution,
            "other_names": other_names,
            "website": website if website.lower().startswith(("https://", "http://")) else "",
            "partner_map": charts.world_map(
                profile.partner_countries,
                label=_("Partner institutions"),
                highlight=[str(institution.country)],
            ),
        },
    )


@require_GET
def institution_directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    page = selectors.public_institution_directory(query=query, page=request.GET.get("page", 1))
    return render(
        request, "analytics/public_directory.html", {"page": page, "query": query.strip()}
    )
