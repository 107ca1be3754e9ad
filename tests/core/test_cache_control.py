"""A response to a signed-in user, or to a request with an API token, says
`Cache-Control: private, no-store`; anonymous pages and static files keep their own headers.
/healthz answers over plain HTTP even where everything else is redirected to HTTPS."""

import pytest

from accord.core.models import ApiToken
from accord.core.tokens import hash_secret, new_secret
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/agreements/",
        "/accounts/profile/",
        "/p/",
        "/healthz",
        "/api/v1/me",
        "/no/such/page/",
    ],
)
def test_every_response_to_a_signed_in_user_is_private_and_not_stored(client, path):
    client.force_login(UserFactory())

    response = client.get(path)

    assert {"private", "no-store"} <= directives(response)
    assert "public" not in directives(response)


def test_the_response_that_signs_a_user_in_is_not_stored(client):
    UserFactory(username="amina")

    response = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})

    assert response.status_code == 302
    assert {"private", "no-store"} <= directives(response)


def test_an_api_response_to_a_token_is_private_and_not_stored(client):
    secret = new_secret()
    ApiToken.objects.create(
        user=UserFactory(), name="reports", prefix=secret[:8], token_hash=hash_secret(secret)
    )

    taken = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    refused = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert taken.status_code == 200
    assert {"private", "no-store"} <= directives(taken)
    assert refused.status_code == 401
    assert {"private", "no-store"} <= directives(refused)


@pytest.mark.parametrize("path", ["/", "/p/"])
def test_public_pages_stay_cacheable_for_a_visitor(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert directives(response) & {"private", "no-store"} == set()


def test_static_files_keep_their_caching_for_a_signed_in_user(client, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client.force_login(UserFactory())

    response = client.get("/static/accord/app.css")
    b"".join(response.streaming_content)  # read to the end, which closes the file

    assert response.status_code == 200
    assert "no-store" not in directives(response)
    assert "private" not in directives(response)


def test_healthz_answers_over_plain_http_where_the_rest_is_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    health = client.get("/healthz")
    page = client.get("/p/")

    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert page.status_code == 301
    assert page["Location"] == "https://testserver/p/"
