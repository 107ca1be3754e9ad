"""Finding a facility, a center's page, a facility's week and booking it."""

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_countries.fields import Country

from accord.core.exports import neutralise
from accord.core.forms import apply_errors
from accord.core.memberships import institution_ids
from accord.institutions.models import Institution

from .. import rules, selectors, services
from ..access import MANAGER_ROLES
from ..forms import DATETIME_INPUT, BookingForm, FacilitySearchForm
from ..models import CenterPhoto, Facility, ResearchCenter
from ..selectors import UsageRow, Week
from .base import AuthenticatedRequest, facility_visible

PAGE_SIZE = 50


def _open_centers(user: Any) -> QuerySet[ResearchCenter]:
    """The centers whose facilities `user` may ask for."""
    return ResearchCenter.objects.filter(pk__in=selectors.bookable_center_ids(user))


def _own_centers(user: Any) -> QuerySet[ResearchCenter]:
    """The centers open to `user` and those they are named to manage (platform staff, who
    manage every center, find theirs through the search instead)."""
    if user.is_staff:
        return _open_centers(user)
    return ResearchCenter.objects.filter(
        Q(pk__in=selectors.bookable_center_ids(user))
        | Q(pk__in=selectors.managed_centers(user).values("pk"))
    )


def _search_choices(user: Any) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """The institutions and countries that have a center open to `user`."""
    institutions = sorted(
        Institution.objects.filter(pk__in=_open_centers(user).values("institution_id")).only(
            "pk", "name", "names", "country"
        ),
        key=lambda institution: institution.display_name,
    )
    countries = {str(institution.country) for institution in institutions}
    return (
        [(institution.pk, institution.display_name) for institution in institutions],
        sorted(((code, str(Country(code).name)) for code in countries), key=lambda c: c[1]),
    )


@login_required
@require_GET
def center_list(request: AuthenticatedRequest) -> HttpResponse:
    """Find a facility across every center open to the user."""
    institutions, countries = _search_choices(request.user)
    form = FacilitySearchForm(request.GET or None, institutions=institutions, countries=countries)
    search = form.values()
    facilities = selectors.facilities_bookable_by(request.user, **search)
    page = Paginator(facilities, PAGE_SIZE).get_page(request.GET.get("page"))
    centers = list(
        _own_centers(request.user)
        .select_related("institution")
        .annotate(facility_count=Count("facilities", filter=Q(facilities__is_active=True)))
        .order_by("name")
    )
    searched = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "centers/center_list.html",
        {
            "nav": "centers",
            "form": form,
            "page": page,
            "centers": centers,
            "filtered": bool(searched),
            "free_from": search["free_from"],
            "may_create": may_create_centers(request.user),
            "queue_size": selectors.bookings_to_decide(request.user).count(),
            "manages_centers": selectors.managed_centers(request.user).exists(),
        },
    )


def may_create_centers(user: Any) -> bool:
    return bool(user.is_authenticated and institution_ids(user, MANAGER_ROLES))


@require_GET
def center_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A center's page; anybody reads it when the center is public."""
    center = selectors.center_for(request.user, slug)
    user = request.user
    may_manage = bool(user.is_authenticated and rules.is_center_manager(user, center))
    facilities = list(
        center.facilities.all() if may_manage else center.facilities.filter(is_active=True)
    )
    year = _year(request)
    return render(
        request,
        "centers/center_detail.html",
        {
            "nav": "centers",
            "center": center,
            "facilities": facilities,
            "photos": list(center.photos.all()),
            "may_manage": may_manage,
            "signed_in": user.is_authenticated,
            "usage": selectors.center_usage(center, year=year) if may_manage else None,
            "year": year,
            "years": _years(),
            "managers": list(center.managers.all()) if may_manage else [],
            "login_url": f"{reverse('login')}?next={request.path}",
        },
    )


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - 5, -1))


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdecimal() and int(value) in _years() else timezone.localdate().year


@login_required
@require_GET
def center_usage_export(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    center = selectors.center_for(request.user, slug)
    if not rules.is_center_manager(request.user, center):
        raise PermissionDenied
    year = _year(request)
    usage = selectors.center_usage(center, year=year)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{center.slug}-usage-{year}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [_("Year"), _("Institution"), _("Country"), _("Agreement"), _("Bookings"), _("Hours")]
    )
    for row in usage:
        writer.writerow(_usage_csv_row(year, row))
    return response


def _usage_csv_row(year: int, row: UsageRow) -> list[Any]:
    return [
        year,
        neutralise(row.institution.name),
        row.country,
        neutralise(row.agreement.title if row.agreement else ""),
        row.bookings,
        f"{row.hours:.2f}",
    ]


@require_GET
def center_photo(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """A photo of a center, to those who may see the center."""
    center = selectors.center_for(request.user, slug)
    photo = get_object_or_404(CenterPhoto, pk=pk, center=center)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The photo is gone from storage.") from missing
    return FileResponse(handle)


def _week_start(request: HttpRequest) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = today
    return day - dt.timedelta(days=day.weekday())


def _render_facility(
    request: AuthenticatedRequest, facility: Facility, form: BookingForm | None = None
) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    week_start = _week_start(request)
    grants = selectors.access_grants(user, facility)
    may_book = selectors.can_book(user, facility)
    if form is None and may_book:
        # A click on a free slot of the week comes back here with the slot's times.
        initial: dict[str, Any] = {"repeat_weeks": 0}
        initial.update(
            {name: request.GET[name] for name in ("starts_at", "ends_at") if request.GET.get(name)}
        )
        form = BookingForm(initial=initial)
    week = selectors.facility_week(facility, week_start=week_start, user=user)
    if "week" not in request.GET and _is_over(week):
        # Late on the week's last opening day: what can still be booked starts next week.
        week_start += dt.timedelta(days=7)
        week = selectors.facility_week(facility, week_start=week_start, user=user)
    context = {
        "nav": "centers",
        "facility": facility,
        "facility_url": facility.get_absolute_url(),
        "center": facility.center,
        "week": week,
        "week_start": week_start,
        "prev_week": (week_start - dt.timedelta(days=7)).isoformat(),
        "next_week": (week_start + dt.timedelta(days=7)).isoformat(),
        "this_week": today - dt.timedelta(days=today.weekday()),
        "today": today,
        "grants": grants,
        "may_book": may_book,
        "may_manage": rules.is_center_manager(user, facility.center),
        "trained": not facility.requires_training or facility.trainings.filter(user=user).exists(),
        "form": form,
        "opening_hours": list(facility.opening_hours.all()),
        "blackouts": list(
            facility.blackouts.filter(ends_at__gt=timezone.now()).order_by("starts_at")[:5]
        ),
        "datetime_format": DATETIME_INPUT,
    }
    template = "centers/_week.html" if request.htmx and request.htmx.target == "week" else None
    response = render(request, template or "centers/facility_detail.html", context)
    # The same address answers the week alone to htmx: caches must keep the two apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _is_over(week: Week) -> bool:
    slots = [slot for day in week.days for slot in day.slots]
    return bool(slots) and all(slot.is_past for slot in slots)


@login_required
@require_GET
def facility_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _render_facility(request, facility_visible(request.user, pk))


@login_required
@require_POST
def facility_book(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    facility = facility_visible(request.user, pk)
    if not selectors.can_book(request.user, facility):
        raise PermissionDenied
    form = BookingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            bookings = services.booking_request(
                actor=request.user,
                facility=facility,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                purpose=data["purpose"],
                project=data["project"],
                repeat_weeks=data["repeat_weeks"],
                waitlist=data["waitlist"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as denied:
            # Such as a facility that requires training the user has not had.
            form.add_error(None, str(denied))
        else:
            messages.success(request, _booked_message(bookings))
            return redirect("centers:booking", pk=bookings[0].pk)
    return _render_facility(request, facility, form)


def _booked_message(bookings: list[Any]) -> str:
    waiting = sum(1 for booking in bookings if booking.status == "waitlisted")
    if len(bookings) == 1 and waiting:
        return _("The time is taken; you are on the waiting list and get it if it frees.")
    if len(bookings) == 1:
        return _(
            "Your request was sent to the center's managers; you get an e-mail when they decide."
        )
    return _(
        "%(count)d weekly requests were sent to the center's managers "
        "(%(waiting)d of them on the waiting list)."
    ) % {"count": len(bookings), "waiting": waiting}
