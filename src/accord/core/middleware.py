"""What every request is checked for and every response carries, whatever view answers it."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

NUL = "\x00"


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY with every response that has none of its own.
    Browsers then run only scripts Accord serves from its own address, so that markup slipped
    into a name or a description could not run even where escaping were forgotten."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


# NUL characters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NulLocation:
    """Where a request holds a NUL: `kind` is path, query, form or body; `name` the query
    parameter or form field, or the JSON pointer of a body's value ("" for the path and for
    a body that is no JSON)."""

    kind: str
    name: str = ""

    def key(self) -> str:
        """The name an API client finds the error under."""
        return self.name or self.kind

    def describe(self) -> str:
        # A name that itself holds the NUL is shown with the character written out.
        name = self.name.replace(NUL, "\\u0000")
        if self.kind == "path":
            return _("The address contains a null character (U+0000).")
        if self.kind == "query":
            return _("The query parameter “%(name)s” contains a null character (U+0000).") % {
                "name": name
            }
        if self.kind == "form":
            return _("The form field “%(name)s” contains a null character (U+0000).") % {
                "name": name
            }
        if self.name:
            return _("The value at %(pointer)s contains a null character (U+0000).") % {
                "pointer": name
            }
        return _("The request body contains a null character (U+0000).")


def _json_pointer(parts: tuple[str, ...]) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _nul_in_json(value: object, parts: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The paths to every string, and every key, of `value` that holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield parts
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*parts, key)
            yield from _nul_in_json(item, (*parts, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_in_json(item, (*parts, str(index)))


def _nul_in_pairs(kind: str, data: QueryDict) -> NulLocation | None:
    for name, values in data.lists():
        if NUL in name or any(NUL in value for value in values):
            return NulLocation(kind, name)
    return None


def _nul_in_body(request: HttpRequest) -> NulLocation | None:
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        # The fields only: an uploaded file may well hold NUL bytes. Django parses the form
        # here, as the CSRF check would before the view; files go to the upload handlers.
        if request.method != "POST":
            return None
        try:
            return _nul_in_pairs("form", request.POST)
        except (MultiPartParserError, UnreadablePostError, RequestDataTooBig):
            return None  # the view meets the same error and answers it as before
    try:
        body = request.body
    except (UnreadablePostError, RequestDataTooBig):
        return None
    if content_type == "application/x-www-form-urlencoded":
        if b"%00" not in body and b"\x00" not in body:
            return None
        return _nul_in_pairs("form", QueryDict(body, encoding=request.encoding))
    # Anything else is read as JSON (django-ninja reads a body as JSON whatever its type).
    if b"\x00" not in body and b"\\u0000" not in body:
        return None
    try:
        # strict=False: a raw NUL inside a string is parsed, so that its place can be named.
        first = next(_nul_in_json(json.loads(body, strict=False)), None)
    except (ValueError, RecursionError):
        return NulLocation("body") if b"\x00" in body else None
    return None if first is None else NulLocation("body", _json_pointer(first))


def nul_location(request: HttpRequest) -> NulLocation | None:
    """Where the request's path, query, form fields or body hold a NUL character, if they do."""
    if NUL in request.path:
        return NulLocation("path")
    query = request.META.get("QUERY_STRING", "")
    if ("%00" in query or NUL in query) and (found := _nul_in_pairs("query", request.GET)):
        return found
    if request.META.get("CONTENT_LENGTH") not in (None, "", "0"):
        return _nul_in_body(request)
    return None


class RejectNulMiddleware:
    """Refuses a request whose path, query parameters, form fields or JSON body hold a NUL
    character: PostgreSQL cannot store one in text, and no name, title or search in Accord
    needs one. Pages answer 400 with a short page; the API 422 problem+json naming where the
    NUL was. Uploaded files are not looked into. A request without `%00`, a NUL byte or
    `\\u0000` costs a few substring tests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        location = nul_location(request)
        if location is None:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            response = JsonResponse(
                {
                    "type": "about:blank",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": location.describe(),
                    "errors": {location.key(): [_("Null characters (U+0000) are not accepted.")]},
                },
                status=422,
                json_dumps_params={"ensure_ascii": False},
            )
            response["Content-Type"] = "application/problem+json"
            return response
        return render(
            request,
            "core/null_character.html",
            {"problem": location.describe()},
            status=400,
        )


# Caching -------------------------------------------------------------------------------------


class PrivateResponsesMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in user or to a
    request carrying an API token: neither a shared cache nor the browser's disk keeps a page
    meant for one person. Anonymous responses keep their own headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.session_cookie = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "HTTP_AUTHORIZATION" in request.META or self._signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response

    def _signed_in(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None:
            return False
        # A user nobody has looked up yet is anonymous without a session cookie; looking
        # would only mark the session as read, and the response as varying by cookie.
        if type(user) is SimpleLazyObject and self.session_cookie not in request.COOKIES:
            return False
        return bool(user.is_authenticated)
