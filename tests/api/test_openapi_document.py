"""The OpenAPI document declares every answer the server gives: its errors as problem+json,
who may call each operation, and values in the form they are written."""

import re

import pytest

from accord.api.v1 import api
from tests.centers.world import build_world

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method, operation


def statuses(operation):
    return {int(status) for status in operation["responses"]}


def test_every_error_is_a_problem_in_problem_json(document):
    errors = {
        f"{name} {status}": response["content"]
        for name, _method, operation in operations(document)
        for status, response in operation["responses"].items()
        if int(status) >= 400
    }

    assert errors == dict.fromkeys(errors, PROBLEM)
    assert document["components"]["schemas"]["Problem"]["required"] == ["title", "status"]


def test_every_operation_declares_401_with_its_challenge(document):
    missing = [
        name
        for name, _method, operation in operations(document)
        if "WWW-Authenticate" not in operation["responses"].get(401, {}).get("headers", {})
    ]

    assert missing == []


def test_operations_naming_an_object_declare_404(document):
    missing = [
        name
        for name, _method, operation in operations(document)
        if any(p["in"] == "path" for p in operation.get("parameters", []))
        and 404 not in statuses(operation)
    ]

    assert missing == []


def test_operations_taking_input_declare_422_and_bodies_400(document):
    missing = [
        name
        for name, _method, operation in operations(document)
        if (
            (operation.get("parameters") or "requestBody" in operation)
            and 422 not in statuses(operation)
        )
        or ("requestBody" in operation and 400 not in statuses(operation))
    ]

    assert missing == []


def test_operations_that_change_something_declare_403(document):
    missing = [
        name
        for name, method, operation in operations(document)
        if method in ("post", "put", "patch", "delete") and 403 not in statuses(operation)
    ]

    assert missing == []


def test_reads_that_check_a_permission_declare_403(document):
    reads = document["paths"]
    assert 403 in statuses(reads["/api/v1/analytics/mobility-flows"]["get"])
    assert 403 in statuses(reads["/api/v1/agreements/{agreement_id}/history"]["get"])


def test_operations_open_to_anonymous_callers_say_so(document):
    anonymous = sorted(
        name for name, _method, operation in operations(document) if {} in operation["security"]
    )

    assert "GET /api/v1/agreements/" in anonymous
    assert "GET /api/v1/centers/{slug}" in anonymous
    assert "GET /api/v1/me" not in anonymous
    assert "OptionalAuth" not in document["components"]["securitySchemes"]
    assert all(
        requirement in ({"BearerToken": []}, {"SessionAuth": []}, {})
        for _name, _method, operation in operations(document)
        for requirement in operation["security"]
    )


def test_no_value_is_declared_in_a_format_it_is_not_written_in(document):
    assert '"format": "time"' not in str(document).replace("'", '"')


@pytest.mark.django_db
def test_opening_hours_are_written_as_the_document_says(client, document):
    world = build_world()
    declared = document["components"]["schemas"]["OpeningHoursOut"]["properties"]["opens"]

    facility = client.get(f"/api/v1/centers/facilities/{world.facility.pk}").json()
    written = [hours[name] for hours in facility["opening_hours"] for name in ("opens", "closes")]

    assert (declared["type"], "format" in declared) == ("string", False)
    assert written
    assert [value for value in written if not re.fullmatch(declared["pattern"], value)] == []
