"""The OpenAPI document as the server answers: every operation declares the errors it can
give, as `application/problem+json`, so that a client generated from the document accepts
every answer. Endpoints declare their successes (and any error of their own); the rules below
add the errors every operation of their kind can give."""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from .agreement_schemas import Problem

PROBLEM_JSON = "application/problem+json"
UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})

# What each standard error means, in the words of docs/api.md.
ERROR_DESCRIPTIONS = {
    400: "The request body cannot be read: it is not JSON, or not a form.",
    401: "No credentials where they are needed, or a token that is unknown, revoked or "
    "malformed; the WWW-Authenticate header says which.",
    403: "The caller may not do this, or a browser session sent no CSRF token.",
    404: "No such object, or it is not visible to the caller.",
    422: "Invalid input; `errors` names each field or parameter.",
}

CHALLENGE_HEADER = {
    "description": 'How to authenticate (RFC 6750): `Bearer realm="accord"`, with '
    '`error="invalid_token"` and an `error_description` when a token was sent and is not '
    "valid.",
    "required": True,
    "schema": {"type": "string"},
}

# A wall-clock time as the server writes it (Django's JSON encoder): JSON Schema's `time`
# format would require an offset, which a time of day in a center's zone does not have.
CLOCK_TIME = {
    "type": "string",
    "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d{3})?$",
    "description": "A time of day, HH:MM:SS, without an offset.",
    "examples": ["09:00:00"],
}


class AccordAPI(NinjaAPI):
    """django-ninja, with the standard error responses written into its document."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(document)
        return document


def document_errors(document: dict[str, Any]) -> None:
    """Adds to each operation of `document` the errors it can give, makes every error a
    Problem in `application/problem+json`, states which operations anonymous callers may
    use, and writes wall-clock times as the server does."""
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = Problem.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    schemes = components.get("securitySchemes", {})
    schemes.pop("OptionalAuth", None)
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            _document_operation(method, operation)
    _clock_times(components["schemas"])


def _document_operation(method: str, operation: dict[str, Any]) -> None:
    security = operation.get("security", [])
    anonymous = any("OptionalAuth" in requirement for requirement in security)
    if anonymous:
        # Anyone may call it; a token or a session shows more (and a wrong token is a 401).
        operation["security"] = [{"BearerToken": []}, {"SessionAuth": []}, {}]
    parameters = operation.get("parameters", [])
    statuses = set()
    if security:
        statuses.add(401)
    if method in UNSAFE_METHODS:
        statuses.add(403)
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    if "requestBody" in operation:
        statuses.add(400)
    if parameters or "requestBody" in operation:
        statuses.add(422)
    # Statuses as numbers, whether an endpoint wrote them so or as text (openapi_extra).
    responses = {int(status): answer for status, answer in operation["responses"].items()}
    for status in statuses:
        responses.setdefault(status, {"description": ERROR_DESCRIPTIONS[status]})
    operation["responses"] = responses = dict(sorted(responses.items()))
    for status, response in responses.items():
        if status >= 400:
            response["content"] = {
                PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }
            response["description"] = ERROR_DESCRIPTIONS.get(status, response["description"])
    if 401 in responses:
        responses[401]["headers"] = {"WWW-Authenticate": CHALLENGE_HEADER}


def _clock_times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node.update(CLOCK_TIME)
        for value in node.values():
            _clock_times(value)
    elif isinstance(node, list):
        for value in node:
            _clock_times(value)
