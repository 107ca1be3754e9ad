from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import AdminSite
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.contrib.auth.views import PasswordResetView as DjangoPasswordResetView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accord.institutions.models import Institution

from . import selectors, services, throttle
from .forms import (
    ApiTokenForm,
    InvitationForm,
    LoginForm,
    PasswordResetForm,
    ProfileForm,
    SignupForm,
)
from .models import ApiToken, Invitation, Membership, User


class AuthenticatedRequest(HttpRequest):
    """A request that login_required has let through: its user is a User."""

    user: User


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok"} when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def _use_language(response: HttpResponse, language: str) -> HttpResponse:
    """Show the following pages in `language`, as Django's language switcher does."""
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


class LoginView(DjangoLoginView):
    """Django's login with throttling of failures and the user's own language."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user: User = form.get_user()
        return _use_language(response, user.language)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        return _too_many_if_throttled(super().form_invalid(form), form)


def _too_many_if_throttled(response: HttpResponse, form: Form) -> HttpResponse:
    """429 with Retry-After when the form was refused for having to wait (`retry_after`)."""
    retry_after = getattr(form, "retry_after", 0)
    if retry_after:
        response.status_code = 429
        response["Retry-After"] = str(retry_after)
    return response


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin's own login page, throttled as Accord's (admin.site.login_form is
    AdminLoginForm): 429 with Retry-After when it refuses unchecked."""
    response = AdminSite.login(admin.site, request, extra_context)
    form = (getattr(response, "context_data", None) or {}).get("form")
    return response if form is None else _too_many_if_throttled(response, form)


class PasswordResetView(DjangoPasswordResetView):
    """Django's password reset, with mail throttled per address and per client: a refusal
    answers 429 whether or not an account uses the address."""

    form_class = PasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:  # type: ignore[override]
        retry_after = throttle.password_reset_start(
            email=form.cleaned_data["email"], ip=throttle.client_ip(self.request)
        )
        if not retry_after:
            return super().form_valid(form)
        form.refuse(retry_after)
        return _too_many_if_throttled(self.form_invalid(form), form)


# Profile and API tokens ----------------------------------------------------------------------


def _profile_page(
    request: AuthenticatedRequest,
    *,
    form: ProfileForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: tuple[ApiToken, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    if form is None:
        form = ProfileForm(
            initial={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "language": user.language,
            }
        )
    context = {
        "form": form,
        "token_form": token_form or ApiTokenForm(),
        "memberships": selectors.memberships_of(user),
        "tokens": selectors.api_tokens_visible_to(user),
        "new_token": new_token[0] if new_token else None,
        "new_token_secret": new_token[1] if new_token else None,
    }
    response = render(request, "core/profile.html", context, status=status)
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    if request.method != "POST":
        return _profile_page(request)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            user = services.profile_update(
                actor=request.user, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            with translation.override(user.language):
                messages.success(request, _("Your profile is saved."))
            return _use_language(redirect("profile"), user.language)
    return _profile_page(request, form=form, status=400)


@login_required
@require_POST
def api_token_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            created = services.api_token_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return _profile_page(request, new_token=created)
    return _profile_page(request, token_form=form, status=400)


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(selectors.api_tokens_visible_to(request.user), pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("profile")


# Members and invitations ---------------------------------------------------------------------


def _members_page(
    request: AuthenticatedRequest,
    institution: Institution,
    *,
    invite_form: InvitationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_manage = request.user.has_perm("core.manage_members", institution)
    context = {
        "institution": institution,
        "members": selectors.members_visible_to(request.user, institution),
        "invitations": selectors.invitations_visible_to(request.user, institution),
        "may_manage": may_manage,
        "invite_form": invite_form or (InvitationForm() if may_manage else None),
        "nav": "institutions",
    }
    return render(request, "core/members.html", context, status=status)


def _institution_for(request: AuthenticatedRequest, slug: str, perm: str) -> Institution:
    institution = get_object_or_404(Institution, slug=slug)
    if not request.user.has_perm(perm, institution):
        raise PermissionDenied(_("Only the institution's admins manage its members."))
    return institution


@login_required
def institution_members(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(Institution, slug=slug)
    if not request.user.has_perm("core.view_members", institution):
        raise PermissionDenied(_("Only the institution's members see who belongs to it."))
    return _members_page(request, institution)


@login_required
@require_POST
def institution_member_invite(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    institution = _institution_for(request, slug, "core.manage_members")
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                actor=request.user, institution=institution, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("An invitation is on its way to %(email)s.") % {"email": invitation.email},
            )
            return redirect("institution_members", slug=institution.slug)
    return _members_page(request, institution, invite_form=form, status=400)


@login_required
@require_POST
def institution_membership_revoke(
    request: AuthenticatedRequest, slug: str, pk: int
) -> HttpResponse:
    institution = _institution_for(request, slug, "core.manage_members")
    membership = get_object_or_404(
        Membership.objects.select_related("user", "institution"), pk=pk, institution=institution
    )
    try:
        services.membership_revoke(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(user)s no longer holds the role %(role)s.")
            % {"user": membership.user, "role": membership.get_role_display()},
        )
    return redirect("institution_members", slug=institution.slug)


@login_required
@require_POST
def institution_invitation_revoke(
    request: AuthenticatedRequest, slug: str, pk: int
) -> HttpResponse:
    institution = _institution_for(request, slug, "core.manage_members")
    invitation = get_object_or_404(
        Invitation.objects.select_related("institution"), pk=pk, institution=institution
    )
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email},
        )
    return redirect("institution_members", slug=institution.slug)


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """A logged-in visitor accepts with one click; anyone else signs up first."""
    invitation = selectors.invitation_by_token(token)
    try:
        services.invitation_check(invitation)
    except ValidationError as exc:
        status = 404 if invitation is None else 410
        return render(
            request,
            "core/invitation_invalid.html",
            {"problem": " ".join(exc.messages), "invitation": invitation},
            status=status,
        )
    assert invitation is not None
    form = None
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                membership = services.invitation_accept(token=token, user=request.user)
                messages.success(
                    request,
                    _("You are now %(role)s at %(institution)s.")
                    % {
                        "role": membership.get_role_display(),
                        "institution": membership.institution,
                    },
                )
                return redirect("profile")
            form = SignupForm(request.POST)
            if form.is_valid():
                data = {k: v for k, v in form.cleaned_data.items() if k != "password_confirm"}
                user = services.invitation_accept_with_signup(token=token, **data)
                login(request, user, backend="accord.core.auth.UsernameOrEmailBackend")
                messages.success(
                    request,
                    _("Welcome to Accord. You are now %(role)s at %(institution)s.")
                    % {
                        "role": invitation.get_role_display(),
                        "institution": invitation.institution,
                    },
                )
                return redirect("profile")
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return redirect("invitation_accept", token=token)
            form.add_service_errors(exc)
    elif not request.user.is_authenticated:
        form = SignupForm()
    return render(
        request,
        "core/invitation_accept.html",
        {"invitation": invitation, "form": form, "token": token},
        status=400 if form is not None and form.errors else 200,
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; send them to the real one."""
    return redirect(static("accord/favicon.svg"))
