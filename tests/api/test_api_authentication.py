"""Who the API takes a request from: a personal token, a browser session, or nobody. A token
that is sent and wrong is refused (401), never read as no token at all."""

import pytest
from django.test import Client

from accord.api.v1 import api
from accord.core.services import api_token_create, api_token_revoke
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db
API = "/api/v1"
CHALLENGE = 'Bearer realm="accord"'
INVALID_TOKEN = 'Bearer realm="accord", error="invalid_token", error_description="{}"'


@pytest.fixture
def public_agreement(institution, partner):
    return AgreementFactory(parties=[institution, partner], status="active", is_public=True)


def token_of(user):
    _token, secret = api_token_create(actor=user, user=user, name="integration")
    return secret


def unauthorized(response):
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["title"]) == (401, "Unauthorized")
    return response["WWW-Authenticate"]


# A token that is sent and wrong ---------------------------------------------------------------


def test_an_unknown_token_is_refused_where_anonymous_callers_are_served(client, public_agreement):
    assert client.get(f"{API}/agreements/").status_code == 200

    response = client.get(f"{API}/agreements/", headers={"Authorization": "Bearer not-a-token"})

    assert unauthorized(response) == INVALID_TOKEN.format("The token is unknown or revoked.")


def test_a_revoked_token_is_refused(client, officer, public_agreement):
    secret = token_of(officer)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{API}/agreements/", headers=headers).status_code == 200
    api_token_revoke(actor=officer, token=officer.api_tokens.get())

    response = client.get(f"{API}/agreements/", headers=headers)

    assert unauthorized(response) == INVALID_TOKEN.format("The token is unknown or revoked.")


def test_the_token_of_a_deactivated_user_is_refused(client, officer):
    secret = token_of(officer)
    officer.is_active = False
    officer.save(update_fields=["is_active"])

    response = client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"})

    assert unauthorized(response) == INVALID_TOKEN.format("The token is unknown or revoked.")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer two words", "Bearer tök€n", "Bearer =abc", "bearer a\tb"],
)
def test_a_malformed_bearer_token_is_refused(client, public_agreement, header):
    response = client.get(f"{API}/agreements/", headers={"Authorization": header})

    assert unauthorized(response) == INVALID_TOKEN.format("The token is malformed.")


@pytest.mark.parametrize("header", ["Basic b2ZmaWNlcjpzZWNyZXQ=", "Token abc", "", "acc_abc"])
def test_credentials_of_another_scheme_are_refused_with_the_bearer_challenge(
    client, public_agreement, header
):
    response = client.get(f"{API}/agreements/", headers={"Authorization": header})

    assert unauthorized(response) == CHALLENGE
    assert "Bearer" in response.json()["detail"]


def test_the_scheme_is_read_in_any_case(client, officer):
    secret = token_of(officer)

    response = client.get(f"{API}/me", headers={"Authorization": f"bearer {secret}"})

    assert response.status_code == 200
    assert response.json()["username"] == officer.username


def test_a_wrong_token_is_refused_by_every_operation(client, officer):
    """Every operation of the document, with a wrong token, whatever it would do otherwise."""
    document = api.get_openapi_schema()
    answers = {}
    for path, operations in document["paths"].items():
        for method in operations:
            response = client.generic(
                method.upper(), path_with_ids(path), headers={"Authorization": "Bearer wrong"}
            )
            answers[f"{method.upper()} {path}"] = (
                response.status_code,
                response.get("WWW-Authenticate"),
            )

    wanted = (401, INVALID_TOKEN.format("The token is unknown or revoked."))
    assert answers == dict.fromkeys(answers, wanted)
    assert len(answers) > 40


def path_with_ids(path):
    """`path` of the document with each parameter filled in: ids with 1, slugs with a word."""
    parts = []
    for part in path.split("/"):
        if part.startswith("{"):
            part = "some-slug" if part == "{slug}" else "1"
        parts.append(part)
    return "/".join(parts)


# No credentials -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me"),
        ("get", "/mobilities/"),
        ("post", "/agreements/"),
        ("patch", "/institutions/some-slug"),
        ("delete", "/centers/some-slug/photos/1"),
    ],
)
def test_a_caller_without_credentials_is_told_how_to_authenticate(client, method, path):
    response = getattr(client, method)(f"{API}{path}", {}, content_type="application/json")

    assert unauthorized(response) == CHALLENGE


def test_a_post_without_credentials_is_401_not_a_csrf_refusal():
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"{API}/agreements/", {}, content_type="application/json")

    assert unauthorized(response) == CHALLENGE


# Browser sessions ---------------------------------------------------------------------------


def test_a_session_reads_the_api(client, officer):
    client.force_login(officer)

    response = client.get(f"{API}/me")

    assert response.status_code == 200
    assert response.json()["username"] == officer.username


def test_a_session_writes_with_its_csrf_token(officer, institution, partner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    client.get("/accounts/profile/")  # a page sets the CSRF cookie
    body = {"kind": "mou", "title": "Memorandum", "parties": [institution.slug, partner.slug]}

    refused = client.post(f"{API}/agreements/", body, content_type="application/json")
    created = client.post(
        f"{API}/agreements/",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert created.status_code == 201, created.content


def test_a_wrong_token_beside_a_session_is_still_refused(client, officer):
    client.force_login(officer)

    response = client.get(f"{API}/me", headers={"Authorization": "Bearer wrong"})

    assert unauthorized(response) == INVALID_TOKEN.format("The token is unknown or revoked.")
