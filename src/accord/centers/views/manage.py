"""The manager's pages: create and edit centers and facilities, opening hours, blackouts,
and who is trained on what. Each checks that the user manages the center."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core.forms import apply_errors
from accord.core.memberships import institution_ids
from accord.core.models import Role
from accord.institutions.models import Institution

from .. import services
from ..forms import (
    BlackoutForm,
    CenterForm,
    FacilityForm,
    ManagersForm,
    OpeningHoursForm,
    PhotoForm,
    TrainingForm,
)
from ..models import Blackout, CenterPhoto, Facility, ResearchCenter, Training
from .base import AuthenticatedRequest, center_managed, facility_managed


def _institutions_for_new_centers(request: AuthenticatedRequest) -> QuerySet[Institution]:
    """Where the user may open a center: institutions they are admin or officer of."""
    return Institution.objects.filter(
        pk__in=institution_ids(request.user, (Role.ADMIN, Role.OFFICER))
    ).order_by("name")


@login_required
def center_create(request: AuthenticatedRequest) -> HttpResponse:
    institutions = _institutions_for_new_centers(request)
    if not institutions.exists():
        raise PermissionDenied
    form = CenterForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            center = services.center_create(actor=request.user, **form.values())
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as denied:
            form.add_error("institution", str(denied) or _("You may not open a center here."))
        else:
            messages.success(
                request,
                _("The center was created. Add its facilities and their opening hours."),
            )
            return redirect(center)
    return render(
        request, "centers/center_form.html", {"nav": "centers", "form": form, "center": None}
    )


@login_required
def center_edit(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    center = center_managed(request.user, slug)
    form = CenterForm(request.POST or None, center=center)
    managers_form = ManagersForm(center=center, prefix="managers")
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect(center)
        try:
            services.center_update(actor=request.user, center=center, **changes)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The center was saved."))
            return redirect(center)
    return _center_form(request, center, form, managers_form)


def _center_form(
    request: AuthenticatedRequest,
    center: ResearchCenter,
    form: CenterForm,
    managers_form: ManagersForm,
    photo_form: PhotoForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "centers/center_form.html",
        {
            "nav": "centers",
            "form": form,
            "center": center,
            "managers_form": managers_form,
            "photo_form": photo_form or PhotoForm(prefix="photo"),
            "photos": list(center.photos.all()),
        },
    )


@login_required
@require_POST
def center_managers(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    center = center_managed(request.user, slug)
    managers_form = ManagersForm(request.POST, center=center, prefix="managers")
    if managers_form.is_valid():
        try:
            services.center_set_managers(
                actor=request.user,
                center=center,
                users=managers_form.users(),
            )
        except ValidationError as error:
            apply_errors(managers_form, error)
        else:
            messages.success(request, _("The managers were saved."))
            return redirect("centers:edit", slug=center.slug)
    return _center_form(request, center, CenterForm(center=center), managers_form)


def _photos_url(center: ResearchCenter) -> str:
    return f"{reverse('centers:edit', args=[center.slug])}#photos"


@login_required
@require_POST
def center_photo_add(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    center = center_managed(request.user, slug)
    photo_form = PhotoForm(request.POST, request.FILES, prefix="photo")
    if photo_form.is_valid():
        try:
            services.center_photo_add(
                actor=request.user,
                center=center,
                image=photo_form.cleaned_data["image"],
                caption=photo_form.cleaned_data["caption"],
            )
        except ValidationError as error:
            apply_errors(photo_form, error)
        else:
            messages.success(request, _("The photo was added."))
            return redirect(_photos_url(center))
    return _center_form(
        request,
        center,
        CenterForm(center=center),
        ManagersForm(center=center, prefix="managers"),
        photo_form,
    )


def _photo_of(request: AuthenticatedRequest, slug: str, pk: int) -> CenterPhoto:
    center = center_managed(request.user, slug)
    photo = get_object_or_404(CenterPhoto, pk=pk, center=center)
    photo.center = center
    return photo


@login_required
@require_POST
def center_photo_remove(request: AuthenticatedRequest, slug: str, pk: int) -> HttpResponse:
    photo = _photo_of(request, slug, pk)
    services.center_photo_remove(actor=request.user, photo=photo)
    messages.success(request, _("The photo was removed."))
    return redirect(_photos_url(photo.center))


@login_required
@require_POST
def center_photo_move(request: AuthenticatedRequest, slug: str, pk: int) -> HttpResponse:
    photo = _photo_of(request, slug, pk)
    services.center_photo_move(
        actor=request.user, photo=photo, earlier=request.POST.get("to") != "later"
    )
    return redirect(_photos_url(photo.center))


@login_required
def facility_create(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    center = center_managed(request.user, slug)
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.facility_create(actor=request.user, center=center, **form.values())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The facility was added. Now set its opening hours."))
            return redirect("centers:facility_hours", pk=facility.pk)
    return render(
        request,
        "centers/facility_form.html",
        {"nav": "centers", "form": form, "center": center, "facility": None},
    )


@login_required
def facility_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    facility = facility_managed(request.user, pk)
    form = FacilityForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect(facility)
        try:
            services.facility_update(actor=request.user, facility=facility, **changes)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The facility was saved."))
            return redirect(facility)
    return render(
        request,
        "centers/facility_form.html",
        {"nav": "centers", "form": form, "center": facility.center, "facility": facility},
    )


def _manage_page(request: AuthenticatedRequest, facility: Facility, **forms: Any) -> HttpResponse:
    """The facility's schedule and people: opening hours, blackouts and training."""
    context = {
        "nav": "centers",
        "facility": facility,
        "center": facility.center,
        "hours_form": forms.get("hours_form") or OpeningHoursForm(facility=facility),
        "blackout_form": forms.get("blackout_form") or BlackoutForm(prefix="blackout"),
        "training_form": forms.get("training_form") or TrainingForm(prefix="training"),
        "feed_url": request.build_absolute_uri(
            reverse("centers:facility_feed", args=[facility.feed_token])
        ),
        "blackouts": list(facility.blackouts.all()),
        "trainings": list(facility.trainings.select_related("user", "granted_by")),
    }
    return render(request, "centers/facility_manage.html", context)


@login_required
def facility_hours(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    facility = facility_managed(request.user, pk)
    if request.method != "POST":
        return _manage_page(request, facility)
    form = OpeningHoursForm(request.POST, facility=facility)
    if form.is_valid():
        try:
            services.opening_hours_set(actor=request.user, facility=facility, hours=form.hours())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The opening hours were saved."))
            return redirect("centers:facility_hours", pk=facility.pk)
    return _manage_page(request, facility, hours_form=form)


@login_required
@require_POST
def blackout_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    facility = facility_managed(request.user, pk)
    form = BlackoutForm(request.POST, prefix="blackout")
    if form.is_valid():
        try:
            services.blackout_add(actor=request.user, facility=facility, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The facility is closed in that period."))
            return redirect("centers:facility_hours", pk=facility.pk)
    return _manage_page(request, facility, blackout_form=form)


@login_required
@require_POST
def blackout_remove(request: AuthenticatedRequest, pk: int, blackout_pk: int) -> HttpResponse:
    facility = facility_managed(request.user, pk)
    blackout = get_object_or_404(Blackout, pk=blackout_pk, facility=facility)
    try:
        services.blackout_remove(actor=request.user, blackout=blackout)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The blackout was removed."))
    return redirect("centers:facility_hours", pk=facility.pk)


@login_required
@require_POST
def training_grant(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    facility = facility_managed(request.user, pk)
    form = TrainingForm(request.POST, prefix="training")
    if form.is_valid():
        person = form.cleaned_data["user"]
        try:
            services.training_grant(actor=request.user, facility=facility, user=person)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is marked as trained.")
                % {"name": person.get_full_name() or person.username},
            )
            return redirect("centers:facility_hours", pk=facility.pk)
    return _manage_page(request, facility, training_form=form)


@login_required
@require_POST
def training_revoke(request: AuthenticatedRequest, pk: int, training_pk: int) -> HttpResponse:
    facility = facility_managed(request.user, pk)
    training = get_object_or_404(
        Training.objects.select_related("user"), pk=training_pk, facility=facility
    )
    try:
        services.training_revoke(actor=request.user, facility=facility, user=training.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is no longer marked as trained.")
            % {"name": training.user.get_full_name() or training.user.username},
        )
    return redirect("centers:facility_hours", pk=facility.pk)


@login_required
@require_POST
def facility_feed_reset(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    facility = facility_managed(request.user, pk)
    services.facility_feed_reset(actor=request.user, facility=facility)
    messages.success(
        request, _("The facility's calendar feed has a new address; the old one no longer works.")
    )
    return redirect(f"{reverse('centers:facility_hours', args=[facility.pk])}#feed")
