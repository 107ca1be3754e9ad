"""Pages of the institutions register: list and search, detail, create and edit, and the units
and contacts managed on the detail page."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import (
    ContactForm,
    InstitutionFilterForm,
    InstitutionForm,
    UnitForm,
    add_service_errors,
)
from .models import Institution

PAGE_SIZE = 50


def _require_change(request: HttpRequest, institution: Institution) -> None:
    if not request.user.has_perm("institutions.change_institution", institution):
        raise PermissionDenied


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    form = InstitutionFilterForm(
        request.GET or None, country_codes=selectors.institution_countries()
    )
    filters = form.values() if form.is_bound else {"search": "", "country": "", "kind": ""}
    institutions = selectors.institution_search(
        selectors.institutions_visible_to(request.user), **filters
    )
    page = Paginator(institutions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "institutions/institution_list.html",
        {
            "nav": "institutions",
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "can_add": request.user.has_perm("institutions.add_institution"),
        },
    )


def _render_detail(
    request: HttpRequest,
    institution: Institution,
    *,
    unit_form: UnitForm | None = None,
    contact_form: ContactForm | None = None,
) -> HttpResponse:
    can_change = request.user.has_perm("institutions.change_institution", institution)
    if can_change:
        unit_form = unit_form or UnitForm(institution=institution, prefix="unit")
        contact_form = contact_form or ContactForm(institution=institution, prefix="contact")
    return render(
        request,
        "institutions/institution_detail.html",
        {
            "nav": "institutions",
            "institution": institution,
            "other_names": institution.other_names(),
            "children": institution.children.order_by("name"),
            "units": selectors.institution_unit_tree(institution),
            "contacts": selectors.institution_contacts(institution),
            "can_change": can_change,
            "can_view_members": request.user.has_perm("core.view_members", institution),
            "unit_form": unit_form,
            "contact_form": contact_form,
        },
    )


@login_required
def institution_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_detail(request, selectors.institution_get(slug))


@login_required
def institution_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("institutions.add_institution"):
        raise PermissionDenied
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.institution_create(actor=request.user, **form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("“%(name)s” was added to the register.") % {"name": institution.name}
            )
            return redirect(institution)
    return render(
        request,
        "institutions/institution_form.html",
        {"nav": "institutions", "form": form, "institution": None},
    )


@login_required
def institution_edit(request: HttpRequest, slug: str) -> HttpResponse:
    institution = selectors.institution_get(slug)
    _require_change(request, institution)
    if request.method == "POST":
        form = InstitutionForm(request.POST, names=institution.names)
        if form.is_valid():
            try:
                services.institution_update(
                    actor=request.user,
                    institution=institution,
                    **form.service_values(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect(institution)
    else:
        form = InstitutionForm(
            initial=InstitutionForm.initial_for(institution), names=institution.names
        )
    return render(
        request,
        "institutions/institution_form.html",
        {"nav": "institutions", "form": form, "institution": institution},
    )


def _saved_or_errors(form: Any, save: Any) -> bool:
    """Call `save(cleaned_data)` when the form is valid; show a refusal on the form."""
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


@login_required
@require_POST
def unit_add(request: HttpRequest, slug: str) -> HttpResponse:
    institution = selectors.institution_get(slug)
    _require_change(request, institution)
    form = UnitForm(request.POST, institution=institution, prefix="unit")
    if _saved_or_errors(
        form,
        lambda data: services.unit_create(actor=request.user, institution=institution, **data),
    ):
        messages.success(request, _("Unit “%(name)s” added.") % {"name": form.cleaned_data["name"]})
        return redirect(f"{institution.get_absolute_url()}#units")
    return _render_detail(request, institution, unit_form=form)


@login_required
def unit_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    institution = selectors.institution_get(slug)
    _require_change(request, institution)
    unit = selectors.institution_unit_get(institution, pk)
    if request.method == "POST":
        form = UnitForm(request.POST, institution=institution, unit=unit)
        if _saved_or_errors(
            form, lambda data: services.unit_update(actor=request.user, unit=unit, **data)
        ):
            messages.success(request, _("Unit “%(name)s” saved.") % {"name": unit.name})
            return redirect(f"{institution.get_absolute_url()}#units")
    else:
        form = UnitForm(institution=institution, unit=unit, initial=UnitForm.initial_for(unit))
    return render(
        request,
        "institutions/unit_form.html",
        {"nav": "institutions", "institution": institution, "unit": unit, "form": form},
    )


@login_required
@require_POST
def unit_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    institution = selectors.institution_get(slug)
    _require_change(request, institution)
    unit = selectors.institution_unit_get(institution, pk)
    try:
        services.unit_remove(actor=request.user, unit=unit)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Unit “%(name)s” removed.") % {"name": unit.name})
    return redirect(f"{institution.get_absolute_url()}#units")


@login_required
@require_POST
def contact_add(request: HttpRequest, slug: str) -> HttpResponse:
    institution = selectors.institution_get(slug)
    _require_change(request, institution)
    form = ContactForm(request.POST, institution=institution, prefix="contact")
    if _saved_or_errors(
        form,
        lambda data: services.contact_create(actor=request.user, institution=institution, **data),
    ):
        messages.success(
            request, _("Contact “%(name)s” added.") % {"name": form.cleaned_data["name"]}
        )
        return redirect(f"{institution.get_absolute_url()}#contacts")
    return _render_detail(request, institution, contact_form=form)


@login_required
def contact_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    institution = selectors.institution_get(slug)
    _require_change(request, institution)
    contact = selectors.institution_contact_get(institution, pk)
    if request.method == "POST":
        form = ContactForm(request.POST, institution=institution)
        if _saved_or_errors(
            form,
            lambda data: services.contact_update(actor=request.user, contact=contact, **data),
        ):
            messages.success(request, _("Contact “%(name)s” saved.") % {"name": contact.name})
            return redirect(f"{institution.get_absolute_url()}#contacts")
    else:
        form = ContactForm(institution=institution, initial=ContactForm.initial_for(contact))
    return render(
        request,
        "institutions/contact_form.html",
        {"nav": "institutions", "institution": institution, "contact": contact, "form": form},
    )


@login_required
@require_POST
def contact_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    institution = selectors.institution_get(slug)
    _require_change(request, institution)
    contact = selectors.institution_contact_get(institution, pk)
    services.contact_remove(actor=request.user, contact=contact)
    messages.success(request, _("Contact “%(name)s” removed.") % {"name": contact.name})
    return redirect(f"{institution.get_absolute_url()}#contacts")
