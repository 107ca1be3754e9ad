import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.core import services
from accord.core.models import ApiToken, AuditEvent
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory

PROFILE = "/accounts/profile/"


@pytest.fixture
def amina(db):
    return UserFactory(
        username="amina", email="amina@kaznu.kz", first_name="Amina", last_name="Bekova"
    )


@pytest.fixture
def amina_client(client, amina):
    client.force_login(amina)
    return client


def profile_data(**overrides):
    return {
        "first_name": "Amina",
        "last_name": "Bekova",
        "email": "amina@kaznu.kz",
        "language": "en",
        **overrides,
    }


def test_profile_needs_login(client, db):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_lists_the_users_roles(amina_client, amina, institution):
    MembershipFactory(user=amina, institution=institution, role="officer")

    page = amina_client.get(PROFILE).content.decode()

    assert "Al-Farabi Kazakh National University" in page
    assert "International officer" in page
    assert "/accounts/password_change/" in page


def test_profile_update_saves_name_email_and_language(amina_client, amina):
    response = amina_client.post(
        PROFILE, profile_data(first_name="Aminat", email="a.bekova@kaznu.kz", language="kk")
    )

    assert response.status_code == 302
    amina.refresh_from_db()
    assert (amina.first_name, amina.email, amina.language) == (
        "Aminat",
        "a.bekova@kaznu.kz",
        "kk",
    )
    assert response.cookies["django_language"].value == "kk"
    event = AuditEvent.objects.get(action="user.updated")
    assert event.actor == amina
    assert event.changes == {
        "first_name": ["Amina", "Aminat"],
        "email": ["amina@kaznu.kz", "a.bekova@kaznu.kz"],
        "language": ["en", "kk"],
    }


def test_profile_refuses_an_email_another_account_uses(amina_client, amina):
    UserFactory(username="farid", email="farid@science.az")

    response = amina_client.post(PROFILE, profile_data(email="Farid@Science.az"))

    assert response.status_code == 400
    assert "Another account uses this e-mail address." in response.content.decode()
    amina.refresh_from_db()
    assert amina.email == "amina@kaznu.kz"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-address"), ("email", ""), ("language", "xx")],
)
def test_profile_refuses_bad_input(amina_client, amina, field, value):
    response = amina_client.post(PROFILE, profile_data(**{field: value}))

    assert response.status_code == 400
    amina.refresh_from_db()
    assert amina.email == "amina@kaznu.kz"
    assert amina.language == "en"


def test_nobody_changes_another_persons_profile(amina):
    other = UserFactory()

    with pytest.raises(PermissionDenied):
        services.profile_update(
            actor=other, user=amina, first_name="X", last_name="Y", email="x@y.org", language="en"
        )


@pytest.mark.parametrize("rows", [1, 50])
def test_profile_runs_a_constant_number_of_queries(amina_client, amina, rows, count_queries):
    for n in range(rows):
        MembershipFactory(user=amina, institution=InstitutionFactory(), role="researcher")
        services.api_token_create(actor=amina, user=amina, name=f"script {n}")

    with count_queries() as ctx:
        response = amina_client.get(PROFILE)

    assert response.status_code == 200
    # session, user, memberships, tokens, and the roles that decide the navigation
    assert len(ctx.captured_queries) == 5


# API tokens --------------------------------------------------------------------------------------


def create_token(client, name="reporting script"):
    return client.post("/accounts/profile/tokens/", {"name": name})


def shown_secret(response):
    page = response.content.decode()
    start = page.index('id="new-token" value="') + len('id="new-token" value="')
    return page[start : page.index('"', start)]


def test_created_token_is_shown_once_with_a_copy_hint(amina_client, amina):
    response = create_token(amina_client)

    secret = shown_secret(response)
    assert secret.startswith("acc_")
    assert "it is shown only this once" in response.content.decode()
    assert "no-store" in response["Cache-Control"].split(", ")
    again = amina_client.get(PROFILE).content.decode()
    assert secret not in again
    assert "reporting script" in again
    assert ApiToken.objects.get().prefix in again


def test_token_is_stored_only_as_its_hash(amina_client, amina):
    secret = shown_secret(create_token(amina_client))

    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    stored = [str(value) for value in ApiToken.objects.values().get().values()]
    stored += [str(event.changes) for event in AuditEvent.objects.all()]
    assert not any(secret in value for value in stored)


def test_created_token_authenticates_the_api(amina_client, client, amina):
    secret = shown_secret(create_token(amina_client))
    amina_client.logout()

    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200
    assert response.json()["username"] == "amina"
    assert ApiToken.objects.get().last_used_at is not None


def test_revoked_token_gets_401_problem_json(amina_client, client, amina):
    secret = shown_secret(create_token(amina_client))
    token = ApiToken.objects.get()

    response = amina_client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    amina_client.logout()
    api = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.status_code == 401
    assert api["Content-Type"] == "application/problem+json"
    assert api.json()["status"] == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=amina).count() == 1
    assert token.name not in amina_client.get(PROFILE).content.decode()


def test_token_without_a_name_is_refused(amina_client):
    response = create_token(amina_client, name="   ")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_persons_token(amina_client, amina):
    farid = UserFactory(username="farid")
    token, _secret = services.api_token_create(actor=farid, user=farid, name="farid's")

    response = amina_client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_nobody_creates_a_token_for_someone_else(amina):
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=UserFactory(), user=amina, name="sneaky")

    assert not ApiToken.objects.exists()


def test_token_name_longer_than_100_characters_is_refused(amina):
    with pytest.raises(ValidationError) as error:
        services.api_token_create(actor=amina, user=amina, name="x" * 101)

    assert list(error.value.message_dict) == ["name"]
    assert not ApiToken.objects.exists()


def test_revoking_twice_records_one_event(amina):
    token, _secret = services.api_token_create(actor=amina, user=amina, name="once")

    services.api_token_revoke(actor=amina, token=token)
    services.api_token_revoke(actor=amina, token=token)

    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1
