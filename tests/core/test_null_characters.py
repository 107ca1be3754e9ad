"""A NUL character (U+0000) in the address, a query parameter, a form field or a JSON body is
refused in one place before any view sees it: pages answer 400 with a short page, the API 422
problem+json naming where the NUL was. PostgreSQL cannot store one in text; nothing changes.
Uploaded files may hold NUL bytes and are taken as before."""

import json
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.agreements.models import Agreement, AgreementDocument
from accord.core.models import AuditEvent, LoginFailure, User
from tests.core.test_url_access import all_routes
from tests.factories import AgreementFactory, UserFactory, agreement_row_counts, docx_bytes

pytestmark = pytest.mark.django_db

REFUSAL = "contains a null character (U+0000)"


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def agreement(institution, partner):
    return AgreementFactory(parties=[institution, partner], title="KazNU-ANAS memorandum")


def refused_page(response) -> str:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert "\x00" not in html
    return html


def problem(response) -> dict:
    assert response.status_code == 422, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


# Pages ------------------------------------------------------------------------------------------


def test_a_search_with_a_nul_is_a_bad_request_for_a_visitor(client):
    html = refused_page(client.get("/p/?q=a%00b"))

    assert "The query parameter “q” contains a null character (U+0000)." in html
    assert "Bad request" in html


def test_a_nul_in_the_address_is_a_bad_request(client):
    html = refused_page(client.get("/centers/feeds/user/a%00b.ics"))

    assert "The address contains a null character (U+0000)." in html


def test_the_refusal_is_in_the_readers_language(client):
    html = refused_page(client.get("/p/?q=%00", HTTP_ACCEPT_LANGUAGE="ru"))

    assert '<html lang="ru"' in html
    assert "Параметр запроса «q» содержит нулевой символ (U+0000)." in html


def test_a_login_with_a_nul_is_refused_unchecked_and_uncounted(client):
    UserFactory(username="amina")

    html = refused_page(client.post("/accounts/login/", {"username": "ami\x00na", "password": "x"}))

    assert "The form field “username” contains a null character (U+0000)." in html
    assert LoginFailure.objects.count() == 0
    assert "_auth_user_id" not in client.session


def test_a_password_reset_for_an_address_with_a_nul_sends_nothing(client):
    refused_page(client.post("/accounts/password_reset/", {"email": "a\x00@kaznu.kz"}))

    assert mail.outbox == []


def test_a_signed_in_form_with_a_nul_changes_nothing(as_officer, officer):
    response = as_officer.post(
        "/accounts/profile/",
        {
            "first_name": "Ai\x00gerim",
            "last_name": "Tulegenova",
            "email": officer.email,
            "language": "en",
        },
    )

    assert "The form field “first_name” contains" in refused_page(response)
    assert User.objects.get(pk=officer.pk).first_name == officer.first_name
    assert AuditEvent.objects.count() == 0


def test_a_nul_in_a_form_fields_name_is_refused(as_officer):
    html = refused_page(as_officer.post("/accounts/profile/", {"first\x00name": "Aigerim"}))

    assert "The form field “first\\u0000name” contains" in html


def test_an_uploaded_file_may_hold_nul_bytes(as_officer, agreement):
    document = docx_bytes()
    assert b"\x00" in document

    response = as_officer.post(
        f"/agreements/{agreement.pk}/documents/",
        {"kind": "draft", "file": SimpleUploadedFile("draft.docx", document)},
    )

    assert response.status_code == 302
    assert AgreementDocument.objects.get(agreement=agreement).kind == "draft"


def test_a_nul_in_a_field_beside_an_uploaded_file_is_refused(as_officer, agreement):
    response = as_officer.post(
        f"/agreements/{agreement.pk}/documents/",
        {"kind": "dr\x00aft", "file": SimpleUploadedFile("draft.docx", docx_bytes())},
    )

    assert "The form field “kind” contains" in refused_page(response)
    assert AgreementDocument.objects.count() == 0


# The API ----------------------------------------------------------------------------------------


def new_agreement(institution, partner, **fields) -> dict:
    return {
        "kind": "mou",
        "title": "Memorandum of cooperation",
        "valid_from": "2025-01-01",
        "parties": [institution.slug, partner.slug],
        **fields,
    }


def test_an_api_body_with_an_escaped_nul_is_422_naming_its_pointer(
    as_officer, institution, partner
):
    before = agreement_row_counts()
    body = json.dumps(new_agreement(institution, partner, title="Memo\x00randum"))
    assert "\\u0000" in body

    response = as_officer.post("/api/v1/agreements/", body, content_type="application/json")

    assert problem(response) == {
        "type": "about:blank",
        "title": "Invalid input",
        "status": 422,
        "detail": "The value at /title contains a null character (U+0000).",
        "errors": {"/title": ["Null characters (U+0000) are not accepted."]},
    }
    assert agreement_row_counts() == before


def test_a_nul_deep_in_an_api_body_is_named_by_its_pointer(as_officer, institution, partner):
    body = new_agreement(
        institution,
        partner,
        provisions=[{"kind": "joint_research", "terms": {"to/pic~": "Silk\x00Road"}}],
    )

    response = as_officer.post("/api/v1/agreements/", body, content_type="application/json")

    assert list(problem(response)["errors"]) == ["/provisions/0/terms/to~1pic~0"]
    assert Agreement.objects.count() == 0


def test_a_raw_nul_byte_in_an_api_body_is_422(as_officer, institution, partner):
    body = json.dumps(new_agreement(institution, partner)).replace("cooperation", "co\x00op")

    response = as_officer.post("/api/v1/agreements/", body, content_type="application/json")

    assert list(problem(response)["errors"]) == ["/title"]
    assert Agreement.objects.count() == 0


def test_a_body_that_is_no_json_but_holds_a_nul_byte_is_422(as_officer):
    response = as_officer.post("/api/v1/agreements/", b"\x00{", content_type="application/json")

    assert problem(response)["errors"] == {"body": ["Null characters (U+0000) are not accepted."]}


def test_a_nul_byte_in_json_nested_too_deep_to_read_is_422(as_officer):
    body = b"[" * 100_000 + b'"\x00"' + b"]" * 100_000

    response = as_officer.post("/api/v1/agreements/", body, content_type="application/json")

    assert list(problem(response)["errors"]) == ["body"]


def test_an_escaped_backslash_before_u0000_is_no_nul(as_officer, institution, partner):
    body = json.dumps(new_agreement(institution, partner, title="Path C:\\u0000"))
    assert "\\\\u0000" in body

    response = as_officer.post("/api/v1/agreements/", body, content_type="application/json")

    assert response.status_code == 201, response.content
    assert Agreement.objects.get().title == "Path C:\\u0000"


def test_an_api_query_parameter_with_a_nul_is_422_naming_it(client):
    response = client.get("/api/v1/institutions/?search=a%00b")

    assert problem(response)["errors"] == {"search": ["Null characters (U+0000) are not accepted."]}


def test_a_nul_in_an_api_path_is_422(client):
    response = client.get("/api/v1/institutions/a%00b")

    assert list(problem(response)["errors"]) == ["path"]


def test_a_multipart_api_upload_may_hold_nul_bytes_but_its_fields_not(as_officer, agreement):
    url = f"/api/v1/agreements/{agreement.pk}/documents"

    refused = as_officer.post(
        url, {"kind": "signed\x00", "file": SimpleUploadedFile("a.docx", docx_bytes())}
    )
    taken = as_officer.post(
        url, {"kind": "draft", "file": SimpleUploadedFile("a.docx", docx_bytes())}
    )

    assert list(problem(refused)["errors"]) == ["kind"]
    assert taken.status_code == 201, taken.content
    assert AgreementDocument.objects.count() == 1


# Every route ------------------------------------------------------------------------------------


def filled(route: str) -> str:
    """A path the route matches, or near enough: the NUL is refused before any view runs."""
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"<(?:\w+:)?\w+>", "x", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "x", route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "staff"])
def test_every_route_refuses_a_nul_in_its_query(client, signed_in):
    if signed_in:
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    answers = {}
    for route in all_routes():
        path = filled(route)
        for method in (client.get, client.post):
            response = method(f"{path}?q=a%00b&page=1")
            answers[(method.__name__, path)] = response.status_code

    expected = {
        (method, path): 422 if path.startswith("/api/") else 400 for method, path in answers
    }
    assert answers == expected
    assert len(answers) > 200
