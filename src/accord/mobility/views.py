"""The mobility pages: parse the request, call one service or selector, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accord.agreements import selectors as agreement_selectors
from accord.agreements.forms import error_text
from accord.agreements.provisions import isced_label
from accord.core.forms import apply_errors
from accord.core.models import User
from accord.institutions.models import Unit

from . import presentation, selectors, services
from .forms import (
    MobilityFilterForm,
    MobilityForm,
    ObligationForm,
    ResolveForm,
    ReturnForm,
    TransitionForm,
    institution_by_key,
)
from .models import Mobility, MobilityStatus

PAGE_SIZE = 50
# The list's reminder of return obligations falling due (or overdue) soon.
OBLIGATIONS_WITHIN_DAYS = 90
OBLIGATIONS_SHOWN = 5


class AuthenticatedRequest(HttpRequest):
    user: User  # every view here is behind login_required


def _listed(request: AuthenticatedRequest) -> tuple[MobilityFilterForm, Any]:
    filter_form = MobilityFilterForm(request.GET or None)
    return filter_form, selectors.mobilities_visible_to(request.user, **filter_form.filters())


@login_required
@require_GET
def mobility_list(request: AuthenticatedRequest) -> HttpResponse:
    filter_form, mobilities = _listed(request)
    page = selectors.mobilities_page(mobilities, request.GET.get("page"), PAGE_SIZE)
    under = filter_form.filters().get("agreement")
    agreement = None
    if under is not None:
        try:
            agreement = agreement_selectors.agreement_get_visible(request.user, under)
        except Http404:
            agreement = None
    statuses = dict(MobilityStatus.choices)
    rows = [
        (mobility, presentation.badge(mobility.status), statuses.get(mobility.status, ""))
        for mobility in page.object_list
    ]
    return render(
        request,
        "mobility/mobility_list.html",
        {
            "nav": "mobility",
            "filter_form": filter_form,
            "page": page,
            "rows": rows,
            "filtered": filter_form.narrows,
            "may_add": request.user.has_perm("mobility.add_mobility"),
            "may_export": request.user.has_perm("mobility.export_mobilities"),
            "under_agreement": agreement,
            "obligations_due": list(
                selectors.obligations_due(request.user, within_days=OBLIGATIONS_WITHIN_DAYS)[
                    :OBLIGATIONS_SHOWN
                ]
            ),
            "obligations_within_days": OBLIGATIONS_WITHIN_DAYS,
            "obligations_shown": OBLIGATIONS_SHOWN,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def mobility_export(request: AuthenticatedRequest) -> HttpResponseBase:
    """The mobilities the list shows with the same filters, every page of them."""
    if not request.user.has_perm("mobility.export_mobilities"):
        raise PermissionDenied
    _filter_form, mobilities = _listed(request)
    return presentation.csv_response(mobilities)


@login_required
@require_GET
def my_mobilities(request: AuthenticatedRequest) -> HttpResponse:
    mobilities = list(selectors.my_mobilities(request.user))
    statuses = dict(MobilityStatus.choices)
    rows = [
        (mobility, presentation.badge(mobility.status), statuses.get(mobility.status, ""))
        for mobility in mobilities
    ]
    return render(request, "mobility/my_mobilities.html", {"nav": "mobility", "rows": rows})


@login_required
@require_GET
def unit_options(request: AuthenticatedRequest) -> HttpResponse:
    """The <option>s of the units of the institution named by ?host_institution=, for the
    form's host unit once a host is chosen."""
    institution = institution_by_key(request.GET.get("host_institution", ""))
    units = list(Unit.objects.filter(institution=institution)) if institution else []
    return render(request, "mobility/_unit_options.html", {"units": units})


@login_required
def mobility_create(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("mobility.add_mobility"):
        raise PermissionDenied
    form = MobilityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            mobility = services.mobility_create(actor=request.user, **form.values())
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as denied:
            form.add_error("home_institution", str(denied))
        else:
            messages.success(request, _("The mobility was recorded."))
            return redirect("mobility:detail", pk=mobility.pk)
    return render(
        request, "mobility/mobility_form.html", {"nav": "mobility", "form": form, "creating": True}
    )


@login_required
def mobility_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mobility = selectors.mobility_for(request.user, pk)
    if not request.user.has_perm("mobility.change_mobility", mobility):
        raise PermissionDenied
    form = MobilityForm(request.POST or None, user=request.user, mobility=mobility)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("mobility:detail", pk=mobility.pk)
        try:
            services.mobility_update(actor=request.user, mobility=mobility, **changes)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as denied:
            form.add_error("home_institution", str(denied))
        else:
            messages.success(request, _("The mobility was saved."))
            return redirect("mobility:detail", pk=mobility.pk)
    return render(
        request,
        "mobility/mobility_form.html",
        {"nav": "mobility", "form": form, "mobility": mobility, "creating": False},
    )


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _render_detail(request: AuthenticatedRequest, mobility: Mobility, **forms: Any) -> HttpResponse:
    user = request.user
    may_change = user.has_perm("mobility.change_mobility", mobility)
    may_transition = user.has_perm("mobility.transition_mobility", mobility)
    transitions = (
        [
            (status, presentation.TRANSITION_LABELS.get(status, status))
            for status in services.mobility_allowed_transitions(mobility)
        ]
        if may_transition
        else []
    )
    may_see_agreement = mobility.agreement is not None and user.has_perm(
        "agreements.view_agreement", mobility.agreement
    )
    context = {
        "nav": "mobility",
        "mobility": mobility,
        "badge": presentation.badge(mobility.status),
        "isced_label": isced_label(mobility.isced_code) if mobility.isced_code else "",
        "obligations": list(mobility.obligations.all()),
        "may_change": may_change,
        "may_record_return": user.has_perm("mobility.record_return", mobility)
        and mobility.status == MobilityStatus.COMPLETED,
        "may_manage_obligations": user.has_perm("mobility.manage_obligations", mobility)
        and mobility.status != MobilityStatus.CANCELLED,
        "may_see_agreement": may_see_agreement,
        "transitions": [t for t in transitions if t[0] != MobilityStatus.CANCELLED],
        "may_cancel": any(t[0] == MobilityStatus.CANCELLED for t in transitions),
        "return_form": forms.get("return_form")
        or ReturnForm(
            auto_id="id_return_%s",
            initial={
                "returned_home": _yes_no(mobility.returned_home),
                "returned_on": mobility.returned_on,
                "employer": mobility.employer,
            },
        ),
        "obligation_form": forms.get("obligation_form")
        or ObligationForm(auto_id="id_obligation_%s", initial={"programme": mobility.programme}),
        "resolve_form": ResolveForm(auto_id=False),
        "timeline": (
            presentation.timeline_entries(selectors.mobility_timeline(mobility))
            if may_change or user.is_staff
            else []
        ),
    }
    return render(request, "mobility/mobility_detail.html", context)


@login_required
@require_GET
def mobility_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.mobility_for(request.user, pk))


def _back(request: AuthenticatedRequest, mobility: Mobility, anchor: str = "") -> HttpResponse:
    return redirect(f"{mobility.get_absolute_url()}{anchor}")


@login_required
@require_POST
def mobility_transition(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mobility = selectors.mobility_for(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return _back(request, mobility)
    try:
        services.mobility_transition(
            actor=request.user,
            mobility=mobility,
            to=form.cleaned_data["to"],
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, error_text(error, {"status": _("Status"), "reason": _("Reason")}))
    else:
        messages.success(
            request,
            _("The mobility is now %(status)s.")
            % {"status": mobility.get_status_display().lower()},
        )
    return _back(request, mobility)


@login_required
@require_POST
def mobility_return(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mobility = selectors.mobility_for(request.user, pk)
    if not request.user.has_perm("mobility.record_return", mobility):
        raise PermissionDenied
    form = ReturnForm(request.POST, auto_id="id_return_%s")
    if form.is_valid():
        try:
            services.mobility_record_return(
                actor=request.user,
                mobility=mobility,
                returned_home=form.cleaned_data["returned_home"],
                returned_on=form.cleaned_data.get("returned_on"),
                employer=form.cleaned_data.get("employer", ""),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The return was recorded."))
            return _back(request, mobility, "#return")
    return _render_detail(request, mobility, return_form=form)


@login_required
@require_POST
def obligation_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mobility = selectors.mobility_for(request.user, pk)
    if not request.user.has_perm("mobility.manage_obligations", mobility):
        raise PermissionDenied
    form = ObligationForm(request.POST, auto_id="id_obligation_%s")
    if form.is_valid():
        try:
            services.obligation_add(actor=request.user, mobility=mobility, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The obligation was added."))
            return _back(request, mobility, "#obligations")
    return _render_detail(request, mobility, obligation_form=form)


@login_required
@require_POST
def obligation_resolve(request: AuthenticatedRequest, pk: int, obligation_pk: int) -> HttpResponse:
    obligation = selectors.obligation_for(request.user, pk, obligation_pk)
    mobility = obligation.mobility
    if not request.user.has_perm("mobility.manage_obligations", mobility):
        raise PermissionDenied
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome."))
        return _back(request, mobility, "#obligations")
    try:
        services.obligation_resolve(
            actor=request.user,
            obligation=obligation,
            status=form.cleaned_data["status"],
            note=form.cleaned_data.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, error_text(error, {"status": _("Outcome"), "note": _("Note")}))
    else:
        messages.success(request, _("The obligation was resolved."))
    return _back(request, mobility, "#obligations")
