"""The NinjaAPI instance, authentication, problem+json errors and pagination."""

import re
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PageNumberPagination
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import BaseModel, Field

from accord.agreements.selectors import MAX_PAGE
from accord.core.models import ApiToken, User
from accord.core.tokens import hash_secret

from .openapi import AccordAPI


class Utf8JSONRenderer(JSONRenderer):
    """JSON in UTF-8 as it is, not as `\\u` escapes: names in Cyrillic or Azerbaijani read as
    they are, in a third of the bytes, as the lists written by pydantic-core do."""

    json_dumps_params = {"ensure_ascii": False}


# RFC 6750, section 2.1: `Bearer` and a b64token.
BEARER_CREDENTIALS = re.compile(r"^Bearer +([A-Za-z0-9\-._~+/]+=*) *$", re.IGNORECASE)
REALM = "accord"


class Unauthenticated(AuthenticationError):
    """401: no credentials, or credentials Accord does not take. `error` and `description`
    are RFC 6750's attributes of the `WWW-Authenticate` challenge; without them the answer
    only says how to authenticate."""

    def __init__(self, detail: str, error: str = "", description: str = "") -> None:
        super().__init__(message=detail)
        self.detail = detail
        self.error = error
        self.description = description

    @property
    def challenge(self) -> str:
        challenge = f'Bearer realm="{REALM}"'
        if self.error:
            challenge += f', error="{self.error}", error_description="{self.description}"'
        return challenge


class BearerToken(HttpBearer):
    """`Authorization: Bearer <personal API token>`. A request that sends an Authorization
    header is answered as the token's user or refused with 401: a revoked or mistyped token
    never falls back to what anonymous callers see."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if header is None:
            return None
        scheme = header.split(" ", 1)[0]
        if scheme.lower() != "bearer":
            raise Unauthenticated("Accord takes a personal API token as `Authorization: Bearer …`.")
        match = BEARER_CREDENTIALS.match(header)
        if match is None:
            raise Unauthenticated(
                "The Authorization header holds no well-formed Bearer token.",
                error="invalid_token",
                description="The token is malformed.",
            )
        return self.authenticate(request, match.group(1))

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_secret(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            raise Unauthenticated(
                "The token is unknown or revoked, or its user may no longer sign in.",
                error="invalid_token",
                description="The token is unknown or revoked.",
            )
        now = timezone.now()
        # Record use at most once a minute: saves a write on every call.
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The browser's session, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session there is nothing a forged request could use: the caller is
        # answered 401 (how to authenticate), not 403 for a missing CSRF token.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated:
            return request.user
        return None


class OptionalAuth(SessionAuth):
    """Lets anonymous callers through to endpoints that also serve public data."""

    def __call__(self, request: HttpRequest) -> Any:
        from django.contrib.auth.models import AnonymousUser

        return super().__call__(request) or AnonymousUser()


api = AccordAPI(
    title="Accord API",
    version="1",
    description=(
        "The open API of Accord: institutions, agreements and everything they enable. "
        "Authenticate with a personal API token (`Authorization: Bearer …`, created on "
        "your profile page) or a browser session. Errors are RFC 9457 problem+json."
    ),
    auth=[BearerToken(), SessionAuth()],
    renderer=Utf8JSONRenderer(),
    urls_namespace="api",
)


class Pagination(PageNumberPagination):
    """django-ninja's `page` and `page_size`, with pages numbered up to MAX_PAGE: a larger
    number answers 422 rather than an offset the database cannot hold."""

    class Input(PageNumberPagination.Input):
        page: int = Field(1, ge=1, le=MAX_PAGE)


def json_response(answer: BaseModel) -> HttpResponse:
    """`answer`, already validated, written as JSON by pydantic-core: a list's page is
    written in a fraction of the time ninja takes to validate it again and encode it in
    Python. The endpoint still declares the model, which the OpenAPI document describes."""
    return HttpResponse(answer.model_dump_json(), content_type="application/json; charset=utf-8")


def problem(
    request: HttpRequest,
    status: int,
    title: str,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


@api.exception_handler(DjangoValidationError)
def on_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = _field_errors(exc)
    detail = "; ".join(
        f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in errors.items()
    )
    return problem(request, 422, "Invalid input", detail, errors)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [
            str(part) for part in error.get("loc", []) if part not in ("body", "payload", "query")
        ]
        errors.setdefault(".".join(location) or "__all__", []).append(error.get("msg", "invalid"))
    detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
    return problem(request, 422, "Invalid input", detail, errors)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, "Not found", "No such object, or it is not visible to you.")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(request, 403, "Forbidden", str(exc) or "You may not do this.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if not isinstance(exc, Unauthenticated):  # ninja's own: no authenticator took the request
        exc = Unauthenticated("Authenticate with a Bearer token or a session.")
    response = problem(request, 401, "Unauthorized", exc.detail)
    response["WWW-Authenticate"] = exc.challenge
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc))


@api.get("/me", tags=["accounts"], summary="The authenticated user and their memberships")
def me(request: HttpRequest) -> dict[str, Any]:
    user = cast(User, request.user)  # authenticated: the endpoint requires it
    return {
        "username": user.username,
        "email": user.email,
        "is_staff": user.is_staff,
        "memberships": [
            {"institution": m.institution.slug, "role": m.role}
            for m in user.memberships.select_related("institution")
        ],
    }
