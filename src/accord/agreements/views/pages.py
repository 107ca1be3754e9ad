"""The register of agreements, its exports, and the forms that create and edit one."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accord.core.forms import apply_errors

from .. import exports, selectors, services
from ..filters import AgreementFilterForm
from ..forms import AgreementForm, dress_filters, institution_search
from ..models import Agreement
from .base import AuthenticatedRequest
from .presentation import list_rows

PAGE_SIZE = 50


def _listed(request: AuthenticatedRequest) -> tuple[AgreementFilterForm, QuerySet[Agreement]]:
    """The filter form and the agreements it lets through, as the list and exports show them."""
    filter_form = AgreementFilterForm(request.GET or None)
    agreements = selectors.agreements_for_list(request.user, own_only=filter_form.own_only)
    return filter_form, filter_form.filter(agreements)


@login_required
@require_GET
def agreement_list(request: AuthenticatedRequest) -> HttpResponse:
    filter_form, agreements = _listed(request)
    dress_filters(filter_form, reverse("agreements:institution_options"))
    page = selectors.agreements_page(
        agreements,
        request.GET.get("page"),
        PAGE_SIZE,
        fields=selectors.PAGE_FIELDS,
        reader=request.user,
    )
    return render(
        request,
        "agreements/agreement_list.html",
        {
            "nav": "agreements",
            "filter_form": filter_form,
            "page": page,
            "rows": list_rows(page.object_list),
            "filtered": filter_form.narrows,
            "unfiltered_url": _with_query(reverse("agreements:list"), filter_form.order_only),
            "may_add": request.user.has_perm("agreements.add_agreement"),
            "may_export": request.user.has_perm("agreements.export_agreements"),
        },
    )


@login_required
@require_GET
def agreement_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    """The agreements the list shows with the same filters, every page of them."""
    if not request.user.has_perm("agreements.export_agreements"):
        raise PermissionDenied
    _filter_form, agreements = _listed(request)
    if fmt == "xlsx":
        return exports.xlsx_response(agreements)
    return exports.csv_response(agreements)


def _with_query(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def _chosen_ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdecimal()]


@login_required
@require_GET
def institution_options(request: AuthenticatedRequest) -> HttpResponse:
    """Up to 20 institutions matching ?q=, as choices for the party pickers."""
    query = request.GET.get("q") or request.GET.get("institution", "")
    chosen = _chosen_ids(request.GET.getlist("partners"))
    template = (
        "agreements/_institution_datalist.html"
        if request.GET.get("format") == "datalist"
        else "agreements/_institution_options.html"
    )
    context = {
        "institutions": list(institution_search(request.user, query, exclude=chosen)),
        "query": query,
        "by_slug": request.GET.get("value") == "slug",
    }
    return render(request, template, context)


@login_required
def agreement_create(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("agreements.add_agreement"):
        raise PermissionDenied
    search_results: list[Any] = []
    searched = request.method == "POST" and request.POST.get("action") == "search"
    if searched:
        # Without JavaScript the partner search comes back through the form itself,
        # keeping what was typed; nothing is validated or saved.
        form = AgreementForm(user=request.user, parties=True, initial=_initial(request))
        chosen = _chosen_ids(request.POST.getlist("partners"))
        search_results = list(
            institution_search(request.user, request.POST.get("q", ""), exclude=chosen)
        )
    elif request.method == "POST":
        form = AgreementForm(request.POST, user=request.user, parties=True)
        if form.is_valid():
            try:
                agreement = services.agreement_create(
                    actor=request.user, institutions=form.institutions(), **form.values()
                )
            except ValidationError as error:
                apply_errors(form, error, {"institutions": "partners"})
            except PermissionDenied as denied:
                # Such as an officer leaving their own institution out of the parties.
                form.add_error("own_institutions", str(denied))
            else:
                messages.success(request, _("The agreement was created as a draft."))
                return redirect("agreements:detail", pk=agreement.pk)
    else:
        form = AgreementForm(user=request.user, parties=True)
    return render(
        request,
        "agreements/agreement_form.html",
        {
            "nav": "agreements",
            "form": form,
            "creating": True,
            "selected_partners": form.selected_partners(),
            "searched": searched,
            "search_results": search_results,
            "search_query": request.POST.get("q", "") if searched else "",
        },
    )


def _initial(request: AuthenticatedRequest) -> dict[str, Any]:
    multiple = ("languages", "own_institutions", "partners")
    initial: dict[str, Any] = {
        key: request.POST.get(key)
        for key in request.POST
        if key not in {"csrfmiddlewaretoken", "action", "q", *multiple}
    }
    initial.update({key: request.POST.getlist(key) for key in multiple})
    return initial


@login_required
def agreement_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_visible(request.user, pk)
    if not request.user.has_perm("agreements.change_agreement", agreement):
        raise PermissionDenied
    form = AgreementForm(request.POST or None, user=request.user, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("agreements:detail", pk=agreement.pk)
        try:
            services.agreement_update(actor=request.user, agreement=agreement, **changes)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect("agreements:detail", pk=agreement.pk)
    return render(
        request,
        "agreements/agreement_form.html",
        {"nav": "agreements", "form": form, "agreement": agreement, "creating": False},
    )
